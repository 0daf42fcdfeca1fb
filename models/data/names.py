"""Names shared by the generators in this folder (make_praise.py, make_identity.py,
make_threat.py): a broad multicultural list of first names, as a UK school's pupils, staff
and parents have them, and titled surnames ("Mrs Okafor"). The project's own lists; no
randomness here, so importing them keeps every generator's output stable.
"""

from __future__ import annotations

FIRST_NAMES = [
    # English, Welsh, Scottish
    "Oliver", "George", "Harry", "Alfie", "Freddie", "Arthur", "Charlie", "Theo", "Toby",
    "Mia", "Chloe", "Ellie", "Grace", "Amelia", "Poppy", "Evie", "Ruby", "Millie", "Rosie",
    "Holly", "Maisie", "Dylan", "Noah", "Reuben", "Leah", "Sophie", "Ben", "Sam", "Joe",
    "Kate", "Beth", "Zoe", "Amy", "Ella", "Lily", "Ava", "Finley", "Harvey",
    "Rhys", "Cerys", "Dafydd", "Sioned", "Gethin", "Callum", "Eilidh", "Fraser", "Iona", "Ewan",
    # Irish
    "Aoife", "Siobhan", "Niamh", "Ciaran", "Saoirse", "Oisin", "Padraig", "Roisin", "Cian",
    # Polish, Romanian, Ukrainian, Lithuanian, Albanian
    "Tomasz", "Kasia", "Zofia", "Jakub", "Wojciech", "Agnieszka", "Piotr", "Bartek", "Magda",
    "Andrei", "Ioana", "Mihai", "Bianca", "Florin", "Raluca", "Vlad", "Denisa",
    "Oksana", "Dmytro", "Taras", "Rugile", "Lukas", "Arben", "Elira",
    # Nigerian, Ghanaian, Somali, Eritrean, Ethiopian, Kenyan, Zimbabwean
    "Chidi", "Ngozi", "Tunde", "Adaeze", "Emeka", "Folake", "Ifeoma", "Kelechi", "Oluwaseun",
    "Bisi", "Tobi", "Femi", "Chioma", "Obi", "Ife",
    "Kwame", "Kofi", "Ama", "Akosua", "Yaw", "Efua", "Kwabena", "Abena", "Esi",
    "Abdi", "Hodan", "Ayaan", "Hamdi", "Idil", "Liban", "Sahra", "Nimco", "Warsame",
    "Senait", "Yonas", "Tsion", "Abebe", "Wanjiru", "Otieno", "Tendai", "Tatenda", "Rudo",
    # Pakistani, Bangladeshi, Indian, Sri Lankan, Nepali, Afghan
    "Hamza", "Ayesha", "Zainab", "Bilal", "Usman", "Sana", "Imran", "Mahnoor", "Rabia", "Asad",
    "Rahim", "Nusrat", "Tanvir", "Farhana", "Sadia", "Arif", "Shamima", "Rafi", "Tahmid",
    "Priya", "Arjun", "Anjali", "Rohan", "Kiran", "Harpreet", "Gurpreet", "Simran", "Jaspreet",
    "Deepak", "Lakshmi", "Vikram", "Ananya", "Ravi", "Neha", "Dev", "Karthik", "Meena",
    "Dilshan", "Sunita", "Bikash", "Ahmad", "Zarghuna",
    # Chinese, Japanese, Korean, Vietnamese, Filipino, Thai
    "Wei", "Mei", "Jun", "Xiao", "Hui", "Ming", "Jing", "Zhen", "Lin",
    "Yuki", "Haruto", "Aiko", "Sora", "Ren", "Hana", "Kenji", "Emi",
    "Min-jun", "Ji-woo", "Seo-yeon", "Hyun", "Jae", "Eun",
    "Minh", "Linh", "Thao", "Huong", "Quang", "Tuan", "Bao", "Duc", "Vy",
    "Maricel", "Rowena", "Jericho", "Angelica", "Paolo", "Kristine", "Jomar", "Nok",
    # Arab, Turkish, Kurdish, Iranian
    "Omar", "Layla", "Yusuf", "Fatima", "Khalid", "Noor", "Mariam", "Tariq", "Huda", "Salma",
    "Karim", "Amira", "Rami", "Ali",
    "Emre", "Elif", "Mehmet", "Zeynep", "Burak", "Ayse", "Deniz", "Selin",
    "Rojin", "Dilan", "Azad", "Berfin", "Rezan", "Shirin", "Baran", "Zana",
    "Darius", "Parisa", "Reza",
    # Brazilian, Portuguese, Spanish, Italian, Greek
    "Joao", "Thiago", "Larissa", "Gabriela", "Rafael", "Beatriz", "Luiza", "Caio",
    "Lucia", "Pablo", "Alejandro", "Carmen", "Javier", "Marta", "Sergio", "Ines", "Alba",
    "Giulia", "Matteo", "Eleni", "Nikos",
    # Caribbean
    "Jamal", "Keisha", "Tyrone", "Shanice", "Marlon", "Kemar", "Tanisha", "Delroy",
    "Shantelle", "Andre",
    # Hebrew, and some short ones
    "Eli", "Noa", "Yael", "Ari", "Moshe",
    "Bo", "Jo", "Ty", "Kai", "Zac", "Eva", "Ada", "Ike", "Nia", "Avi", "Oz",
]  # fmt: skip

SURNAMES = [
    "Okafor", "Byrne", "Lewandowska", "Shah", "Evans", "Nguyen", "Patel", "Khan", "Begum",
    "Ahmed", "Kowalski", "Popescu", "Mensah", "Adeyemi", "Osei", "Hussein", "Abdullahi",
    "Chowdhury", "Singh", "Kaur", "Chen", "Wang", "Tanaka", "Kim", "Park", "Tran", "Santos",
    "Garcia", "Reyes", "Haddad", "Yilmaz", "Demir", "Ahmadi", "Silva", "Fernandez",
    "Campbell", "Brown", "Williams", "O'Connor", "Murphy", "MacLeod", "Jones", "Davies",
    "Cohen", "Levy", "Novak", "Ionescu", "Okoye", "Mwangi", "Moyo", "Gupta", "Sharma",
    "Rahman", "Hassan", "Ali", "Wright", "Taylor", "Robinson", "Nowak", "Kovalenko",
    "Tesfaye", "Farah", "Dhillon", "Sandhu", "Thompson", "Boateng", "Mahmoud", "Sato",
]  # fmt: skip

TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"]

#: "Mr Okafor", "Mrs Byrne", ...: each surname gets the next title in turn.
TITLED = [f"{TITLES[i % len(TITLES)]} {s}" for i, s in enumerate(SURNAMES)]

#: Everyone a post might name: first names, then titled surnames.
NAMES = FIRST_NAMES + TITLED

_AN_EXCEPTIONS = ("uni", "use", "one", "eu", "ukr")  # "a unique", "a Ukrainian"


def article(word: str) -> str:
    """ "a" or "an" for the word that follows it ("an autistic", "a unique", "an LGBT")."""
    w = word.lower()
    if w.startswith(("lgbt", "honest", "hour")):
        return "an"
    if w.startswith(_AN_EXCEPTIONS):
        return "a"
    return "an" if w[0] in "aeiou" else "a"
