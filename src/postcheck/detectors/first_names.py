"""Common first names of children in England and Wales (the project's own list).

The small spaCy model misses many lone first names ("Leo has been diagnosed with..."),
so the PII detector also looks for these, case-sensitively, with a low score. Names that
are also everyday words or places (Grace, Holly, Rose, Jack, Florence, Jordan, Max ...)
are left out: a capitalised "Grace" or "Jack" at the start of a sentence is too often not
a person.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    # boys
    "Oliver", "George", "Harry", "Noah", "Leo", "Arthur", "Muhammad", "Mohammed", "Oscar",
    "Charlie", "Jacob", "Thomas", "Henry", "Freddie", "Alfie", "Theo", "William", "Theodore",
    "Archie", "Joshua", "Alexander", "James", "Isaac", "Edward", "Lucas", "Finley", "Logan",
    "Ethan", "Benjamin", "Arlo", "Joseph", "Sebastian", "Harrison", "Elijah", "Adam",
    "Daniel", "Samuel", "Louie", "Mason", "Reuben", "Albie", "Rory", "Jaxon", "Hugo", "Luca",
    "Zachary", "Reggie", "Louis", "Dylan", "David", "Jude", "Roman", "Ezra", "Toby", "Riley",
    "Ronnie", "Frederick", "Gabriel", "Jesse", "Michael", "Elliot", "Elliott", "Grayson",
    "Liam", "Jenson", "Harvey", "Jayden", "Jake", "Ollie", "Charles", "Finn", "Caleb",
    "Jackson", "Leon", "Ibrahim", "Ryan", "Alfred", "Matthew", "Luke", "Kai", "Callum",
    "Kian", "Tyler", "Lewis", "Nathan", "Josh", "Ben", "Sam", "Joe", "Tom", "Kieran",
    "Connor", "Jamie", "Aaron", "Bradley", "Owen", "Ewan", "Ruben", "Yusuf", "Omar", "Ayaan",
    "Rayan", "Hamza", "Bilal", "Zain", "Arjun", "Rohan", "Aarav", "Kacper", "Jakub", "Filip",
    "Kwame", "Kofi", "Tunde", "Emeka", "Chidi", "Abdi", "Mustafa", "Yahya", "Ismail",
    # girls
    "Olivia", "Amelia", "Isla", "Ava", "Freya", "Mia", "Sophia", "Isabella", "Sienna",
    "Elsie", "Emily", "Ella", "Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Millie",
    "Matilda", "Maya", "Sophie", "Alice", "Emilia", "Isabelle", "Maisie", "Aria", "Penelope",
    "Mila", "Eva", "Hallie", "Eliza", "Esme", "Arabella", "Imogen", "Jessica", "Delilah",
    "Layla", "Ellie", "Chloe", "Erin", "Lucy", "Megan", "Hannah", "Lauren", "Jasmine",
    "Scarlett", "Zara", "Zoe", "Leah", "Niamh", "Aisha", "Maryam", "Fatima", "Hafsa",
    "Amira", "Eleanor", "Abigail", "Lola", "Orla", "Thea", "Heidi", "Ayla", "Gracie",
    "Lottie", "Mollie", "Katie", "Beth", "Amy", "Kate", "Caitlin", "Keira", "Bethany",
    "Courtney", "Shannon", "Abbie", "Libby", "Lexi", "Nevaeh", "Rosie", "Aoife", "Saoirse",
    "Zainab", "Ayesha", "Khadija", "Priya", "Anaya", "Zofia", "Amara", "Adaeze", "Chioma",
    "Hodan", "Idil", "Nadia", "Sana", "Inaya", "Hanna", "Julia", "Natalia", "Oliwia",
)  # fmt: skip
