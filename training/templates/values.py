"""PII value banks that Faker does not provide (per language), and name patterns for
organisations. These are labelled values: every one of them is PII in context."""

DEMOGRAPHIC = {
    "en": {
        "nationality": ["German", "French", "Turkish", "Nigerian", "Indian", "Brazilian", "Polish",
                        "Romanian", "Syrian", "Italian", "Mexican", "Pakistani", "Irish",
                        "Chinese", "Ukrainian", "Moroccan", "Filipino", "Canadian"],
        "religion": ["Muslim", "Catholic", "Jewish", "Hindu", "Buddhist", "Protestant", "Sikh",
                     "Orthodox Christian", "Jehovah's Witness"],
        "ethnicity": ["Kurdish", "Roma", "Hispanic", "African American", "Black British",
                      "Pakistani British", "Latino", "Sami", "Tamil", "Berber"],
        "party": ["Democrat", "Republican", "Labour", "Conservative", "Green", "Liberal Democrat",
                  "Social Democrat", "SNP"],
    },
    "de": {
        "nationality": ["deutsche", "türkische", "polnische", "syrische", "italienische",
                        "rumänische", "österreichische", "ukrainische"],
        "religion": ["muslimisch", "katholisch", "evangelisch", "jüdisch", "orthodox"],
        "ethnicity": ["kurdischer", "sorbischer", "arabischer"],
        "party": ["SPD", "CDU", "Grünen", "FDP", "Linken"],
    },
    "fr": {
        "nationality": ["française", "algérienne", "marocaine", "portugaise", "sénégalaise",
                        "belge", "tunisienne", "italienne"],
        "religion": ["musulmane", "catholique", "juive", "protestante", "bouddhiste"],
        "ethnicity": ["kabyle", "rom", "kurde"],
        "party": ["Parti socialiste", "Les Républicains", "La France insoumise", "EELV"],
    },
    "es": {
        "nationality": ["española", "marroquí", "colombiana", "rumana", "venezolana",
                        "ecuatoriana", "argentina", "peruana"],
        "religion": ["musulmana", "católica", "judía", "evangélica", "budista"],
        "ethnicity": ["gitana", "kurda", "amazigh"],
        "party": ["PSOE", "PP", "Podemos", "Vox", "Sumar"],
    },
}

MEDICAL = {
    "en": {
        "condition": ["type 2 diabetes", "asthma", "hypertension", "major depressive disorder",
                      "migraine", "COVID-19", "a fractured left wrist", "chronic back pain",
                      "generalised anxiety disorder", "epilepsy", "coeliac disease",
                      "breast cancer", "multiple sclerosis", "COPD", "atrial fibrillation",
                      "long COVID", "ADHD", "rheumatoid arthritis", "a herniated disc",
                      "pneumonia", "HIV", "bipolar disorder", "a concussion"],
        "medication": ["metformin 500 mg", "ibuprofen", "sertraline 50 mg", "lisinopril 10 mg",
                       "insulin glargine", "a salbutamol inhaler", "amoxicillin", "methotrexate",
                       "levothyroxine", "atorvastatin 20 mg", "apixaban", "penicillin",
                       "prednisolone", "fluoxetine", "omeprazole"],
        "treatment": ["physiotherapy", "chemotherapy", "knee arthroscopy",
                      "cognitive behavioural therapy", "dialysis", "a hip replacement",
                      "radiotherapy", "an appendectomy", "IVF treatment", "speech therapy",
                      "cardiac rehabilitation", "an MRI of the lumbar spine"],
    },
    "de": {
        "condition": ["Diabetes Typ 2", "Asthma", "Bluthochdruck", "Migräne", "Depression",
                      "einen Bandscheibenvorfall", "Long COVID", "Epilepsie", "Brustkrebs",
                      "eine Lungenentzündung"],
        "medication": ["Metformin 500 mg", "Ibuprofen 400", "Ramipril", "Insulin", "L-Thyroxin",
                       "Pantoprazol", "Sertralin"],
        "treatment": ["Physiotherapie", "Chemotherapie", "eine Knie-OP", "Psychotherapie",
                      "Dialyse", "eine Reha-Maßnahme"],
    },
    "fr": {
        "condition": ["un diabète de type 2", "de l'asthme", "une hypertension", "des migraines",
                      "une dépression", "une hernie discale", "un cancer du sein", "une épilepsie"],
        "medication": ["metformine", "ibuprofène", "paracétamol 1 g", "sertraline",
                       "lévothyroxine", "oméprazole"],
        "treatment": ["kinésithérapie", "chimiothérapie", "une arthroscopie du genou",
                      "psychothérapie", "dialyse"],
    },
    "es": {
        "condition": ["diabetes tipo 2", "asma", "hipertensión", "migrañas", "depresión",
                      "una hernia discal", "cáncer de mama", "epilepsia"],
        "medication": ["metformina", "ibuprofeno", "paracetamol", "sertralina", "omeprazol",
                       "enalapril"],
        "treatment": ["fisioterapia", "quimioterapia", "una artroscopia de rodilla",
                      "psicoterapia", "diálisis"],
    },
}

JOB_TITLES = {
    "en": ["Head of Finance", "Customer Success Manager", "Senior Software Engineer",
           "HR Business Partner", "Claims Adjuster", "Registered Nurse", "Chief Technology Officer",
           "Office Manager", "Data Protection Officer", "Account Executive", "VP of Sales",
           "Operations Director", "Procurement Lead", "IT Administrator", "Marketing Manager",
           "General Counsel", "Consultant Cardiologist", "Paralegal", "Store Manager"],
    "de": ["Leiterin Buchhaltung", "Geschäftsführer", "Teamleiter Kundenservice",
           "Personalreferentin", "Oberarzt", "Vertriebsleiter", "Datenschutzbeauftragter"],
    "fr": ["Directrice financière", "Responsable RH", "Chef de projet", "Médecin généraliste",
           "Directeur commercial", "Gestionnaire de comptes"],
    "es": ["Directora financiera", "Jefe de ventas", "Responsable de RR. HH.",
           "Médico de familia", "Gerente de cuentas", "Administrador de sistemas"],
}

HONORIFICS = {
    "en": {"m": ["Mr", "Mr.", "Dr", "Dr."], "f": ["Ms", "Ms.", "Mrs", "Mrs.", "Dr", "Miss"]},
    "de": {"m": ["Herr", "Herrn", "Dr.", "Herr Dr."], "f": ["Frau", "Frau Dr."]},
    "fr": {"m": ["M.", "Monsieur", "Dr"], "f": ["Mme", "Madame", "Dr"]},
    "es": {"m": ["Sr.", "D.", "Dr."], "f": ["Sra.", "Dña.", "Dra."]},
}

# {city} / {last} are filled from the document's locale
ORG_PATTERNS = {
    "hospital": {
        "en": ["{city} General Hospital", "St. {saint}'s Hospital", "{city} Royal Infirmary",
               "{last} Medical Center", "{city} Children's Hospital", "Mercy Clinic {city}"],
        "de": ["Klinikum {city}", "Universitätsklinikum {city}", "St.-{saint}-Krankenhaus",
               "Praxis Dr. {last}"],
        "fr": ["CHU de {city}", "Hôpital {saint}", "Clinique du Parc {city}"],
        "es": ["Hospital Universitario de {city}", "Clínica {last}", "Hospital San {saint}"],
    },
    "school": {
        "en": ["University of {city}", "{city} College", "{last} High School",
               "{city} Institute of Technology"],
        "de": ["Universität {city}", "Gymnasium {city}", "Hochschule {city}"],
        "fr": ["Université de {city}", "Lycée {last}", "École de commerce de {city}"],
        "es": ["Universidad de {city}", "Colegio {last}", "Instituto {city}"],
    },
    "agency": {
        "en": ["HMRC", "the Internal Revenue Service", "{city} City Council", "the DVLA",
               "Social Security Administration", "{city} Police Department", "the Home Office"],
        "de": ["Finanzamt {city}", "Bundesagentur für Arbeit", "Ausländerbehörde {city}",
               "Amtsgericht {city}", "Bürgeramt {city}"],
        "fr": ["la CAF de {city}", "Pôle emploi", "la préfecture de {city}", "l'URSSAF"],
        "es": ["la Agencia Tributaria", "el Ayuntamiento de {city}", "la Seguridad Social"],
    },
    "insurer": {
        "en": ["Aviva", "Allianz", "AXA", "Zurich Insurance", "Liberty Mutual", "Aetna",
               "{last} Mutual", "Blue Shield of {city}"],
        "de": ["Allianz", "AOK {city}", "Techniker Krankenkasse", "HUK-Coburg", "DEVK"],
        "fr": ["AXA", "MAIF", "la MGEN", "Groupama"],
        "es": ["Mapfre", "Sanitas", "Mutua Madrileña", "Adeslas"],
    },
    "bank": {
        "en": ["Barclays", "HSBC", "Chase", "Wells Fargo", "Lloyds Bank", "{city} Credit Union"],
        "de": ["Sparkasse {city}", "Deutsche Bank", "Commerzbank", "Volksbank {city}"],
        "fr": ["BNP Paribas", "Crédit Agricole", "Société Générale", "La Banque Postale"],
        "es": ["Banco Santander", "BBVA", "CaixaBank", "Bankinter"],
    },
}

SAINTS = ["Mary", "Luke", "George", "Thomas", "Anne", "Elisabeth", "Joseph", "Vincent", "Martin"]

ORG_WORDS = (
    ["North", "Bright", "Blue", "Silver", "Green", "Iron", "Red", "Clear", "Swift", "Oak", "Stone",
     "River", "Summit", "Golden", "Crescent", "Pioneer", "Apex", "Maple"],
    ["wind", "path", "field", "bridge", "gate", "wave", "line", "point", "brook", "crest", "ridge"],
    ["Logistics", "Traders", "Consulting", "Foods", "Solutions", "Holdings", "Partners", "Labs",
     "Media", "Pharma", "Energy", "Systems", "Legal LLP", "Ltd", "Inc.", "GmbH", "S.A.", "B.V."],
)

# identifier shapes: '#' -> digit, '@' -> capital letter; a dict means per-language shapes
ID_PATTERNS = {
    "passport": ("@########", "#########", "@@#######"),
    "licence": ("@#######", "@@@@@######@@#@@", "###-###-###", "@###-####-####"),
    "ticket_id": ("#####", "######", "#######", "TCK-######", "INC#######", "SR-######",
                  "CS-2024-#####"),
    "case_id": ("CASE-########", "C-####-####", "##########", "#####/##"),
    "account_id": ("ACC-#######", "####-####", "AC########"),
    "order_id": ("ORD-#######", "###-#######-#######", "######", "@@#####@", "2024-######"),
    "policy_no": ("POL-####-####", "@@-###-###-###", "P########"),
    "claim_no": ("CLM-2024-######", "CL-######", "@##-#####"),
    "mrn": ("#######", "########", "MRN-#######"),
    "employee_id": ("E#####", "EMP-#####", "#######"),
    "member_id": ("@@#######", "MBR-####-###"),
    "acct_no": ("########", "#### ####", "############"),
    "customer_id": {
        "en": ("CUST-######", "C########", "CID-#######", "########", "#####"),
        "de": ("KD-######", "K#######", "#######"),
        "fr": ("CL########", "CLI-######", "#######"),
        "es": ("CLI-######", "C#######", "#######"),
    },
    "nat_id": {  # NHS / Aadhaar / NINO; Sozialversicherungsnummer; NIR; DNI / NIE
        "en": ("### ### ####", "@@ ## ## ## @", "#### #### ####"),
        "de": ("## ###### @ ###",),
        "fr": ("# ## ## ## ### ### ##",),
        "es": ("########@", "X#######@"),
    },
    "tax_id": {
        "en": ("##-#######", "GB#########", "##########"),
        "de": ("## ### ### ###", "DE#########"),
        "fr": ("FR###########", "#############"),
        "es": ("ES@#######@", "B########"),
    },
    "invoice_no": {
        "en": ("INV-2024-#####", "INV######", "########"),
        "de": ("RE-2024-####", "R#######"),
        "fr": ("F2024-#####", "FAC-######"),
        "es": ("FAC-2024-####", "F#######"),
    },
}
