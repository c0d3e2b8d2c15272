# ruff: noqa: E501 - template sentences read best unwrapped
"""French template banks (same slot language as en.py)."""

TICKET = {
    "pii": [
        "Bonjour, je suis {name} de la société {company}. Depuis la mise à jour {version}, je ne peux plus me connecter.",
        "Mon numéro client est {customer_id} et la commande porte le numéro {order_id}.",
        "Merci de me rappeler au {phone}, de préférence après {time}.",
        "La facture {invoice_no} a été envoyée à la mauvaise adresse, la bonne est {address}.",
        "Le remboursement doit être fait sur l'IBAN {iban}, titulaire {name}.",
        "Le ticket {ticket_id} a été fermé sans réponse.",
        "{tname} a appelé le {date} au sujet de la livraison à {city}.",
        "Mon identifiant est {username}, dernière connexion le {date}.",
        "Notre contact est {o_name} ({o_email}).",
        "Transféré à {a_name} ; le client souhaite être rappelé au {phone}.",
    ],
    "neg": [
        "Depuis la mise à jour, {feature} ne fonctionne plus sous {browser}.",
        "La facture du mois dernier n'apparaît pas dans l'espace client.",
        "Le Service client ne m'a toujours pas répondu.",
        "Statut modifié de {status} à {status}.",
        "Message d'erreur : {error}.",
        "La commande est bloquée depuis {duration}.",
        "Merci de nous envoyer le fichier {file} et une capture d'écran.",
        "Solution de contournement : désactiver {feature} puis redémarrer {product}.",
        "Le problème est corrigé dans la version {version}, nous fermons le ticket.",
        "Est-ce que {feature} est inclus dans l'offre {plan} ?",
        "Le sujet a été remonté lors de la réunion du {wd}.",
        "Merci pour votre message. Nous vous répondrons sous {duration}.",
        "La réinitialisation du mot de passe ne fonctionne pas.",
    ],
}

TICKET_FIELDS = {
    "pii": [("Ticket", "{ticket_id}"), ("Client", "{name}"), ("E-mail", "{email}"),
            ("Téléphone", "{phone}"), ("N° client", "{customer_id}"), ("Créé le", "{datetime}"),
            ("Société", "{company}")],
    "neg": [("Priorité", "{priority}"), ("Statut", "{status}"), ("Produit", "{product}"),
            ("Catégorie", "Facturation"), ("Canal", "Formulaire web"), ("Version", "{version}")],
}

EMAIL = {
    "pii": [
        "veuillez trouver ci-joint le contrat signé pour {company}.",
        "Je suis absent jusqu'au {date} ; en cas d'urgence, contactez {o_name} ({o_email}).",
        "Pouvons-nous déplacer notre appel à {weekday} à {time} ?",
        "Mon nouveau numéro de portable est le {phone}.",
        "Le paiement de la facture {invoice_no} sera effectué depuis le compte {iban}.",
        "Comme demandé, ma date de naissance est le {dob} et mon numéro de sécurité sociale {nat_id}.",
        "Notre nouvelle adresse est {address}.",
        "{o_name} de {company} participera à la réunion du {date}.",
        "Vous pouvez me joindre au {phone} ou à {email}.",
    ],
    "neg": [
        "merci pour votre retour rapide.",
        "Vous trouverez en pièce jointe le fichier {file}.",
        "Je reste à votre disposition pour toute question.",
        "La Direction a validé le budget.",
        "Ceci est un message automatique, merci de ne pas y répondre.",
        "Votre abonnement {plan} sera renouvelé automatiquement.",
        "L'ordre du jour de la réunion du {wd} est ci-dessous.",
        "Nous avons mis à jour notre politique de confidentialité.",
    ],
    "subject_pii": ["RE: Commande {order_id}", "Facture {invoice_no}", "Rendez-vous avec {o_name}"],
    "subject_neg": ["RE: Facture", "Maintenance programmée", "TR: Compte rendu",
                    "URGENT : {error}", "Votre commande"],
    "greet_pii": ["Bonjour {first},", "Bonjour {tname},", "Salut {first},", "Bonsoir {tname},"],
    "greet_neg": ["Madame, Monsieur,", "Bonjour à tous,", "Bonjour,", "Chère équipe,"],
    "signoff": ["Cordialement,", "Bien à vous,", "Bonne journée,", "Salutations distinguées,"],
    "sig_pii": ["{name}", "{first}", "{name}\n{job_title}\n{company}", "{name}\nTél. : {phone}"],
    "sig_neg": ["Le Service client", "L'équipe {product}", "Envoyé de mon iPhone"],
    "quote_pii": ["Le {date}, {o_name} <{o_email}> a écrit :", "Le {date} à {time}, {o_name} a écrit :"],
}

CHAT = {
    "pii": [
        "salut {a_first}, tu peux voir pourquoi le compte de {o_first} est bloqué ?",
        "mon email c'est {email}",
        "appelez-moi au {phone}",
        "la commande {order_id} est toujours {status}",
        "merci {a_first} !",
        "j'habite à {city}, vous livrez là-bas ?",
    ],
    "neg": [
        "quelqu'un a aussi {error} sur {env} ?",
        "déploiement de {service} {version} en cours",
        "la réunion du {wd} est annulée ?",
        "Merci, ça marche !",
        "Un instant, je vérifie.",
        "Bon week-end à tous !",
    ],
    "speaker_neg": ["Client", "Agent", "Bot", "Support", "Conseiller"],
}

HR = {
    "pii": [
        "{name} a rejoint le service {dept} le {date} en tant que {job_title}.",
        "Matricule {employee_id}, responsable : {a_name}.",
        "Contact d'urgence : {o_name}, {phone}.",
        "Date de naissance : {dob}. Nationalité : {nationality}.",
        "{first} est en arrêt maladie depuis le {date} ({condition}).",
        "Le salaire est versé sur le compte {iban}.",
    ],
    "neg": [
        "Le service des ressources humaines recrute un {role_title}.",
        "Tous les salariés doivent suivre la formation RGPD.",
        "La paie est versée le dernier jour ouvré du mois.",
        "Le télétravail est possible trois jours par semaine.",
    ],
}

HR_FIELDS = {
    "pii": [("Salarié", "{name}"), ("Matricule", "{employee_id}"), ("Date de naissance", "{dob}"),
            ("Adresse", "{address}"), ("IBAN", "{iban}"), ("Poste", "{job_title}")],
    "neg": [("Service", "{dept}"), ("Contrat", "CDI"), ("Statut", "Actif")],
}

MEDICAL = {
    "pii": [
        "Patient {name}, né le {dob}, dossier {mrn}.",
        "Patiente de {age} ans présentant {condition}.",
        "Antécédents : {condition}. Traitement en cours : {medication}.",
        "Adressé au {a_tname}, {hospital}, pour {treatment}.",
        "Hospitalisé le {date} au {hospital}.",
        "Personne à prévenir : {o_name}, {phone}.",
    ],
    "neg": [
        "Constantes normales.",
        "Pas d'allergie connue.",
        "Reconsulter en cas d'aggravation.",
        "Les résultats sont disponibles sur le portail patient.",
    ],
    "headings": ["ANTÉCÉDENTS", "EXAMEN CLINIQUE", "CONCLUSION", "TRAITEMENT", "Plan :"],
}

MED_FIELDS = {
    "pii": [("Patient", "{name}"), ("Né(e) le", "{dob}"), ("Diagnostic", "{condition}"),
            ("Traitement", "{medication}"), ("Médecin", "{a_tname}")],
    "neg": [("Service", "Cardiologie"), ("Chambre", "12"), ("Statut", "Sorti")],
}

CRM = {
    "pii": [
        "Appelé {first}, intéressé par l'offre {plan}.",
        "Devis envoyé à {email} le {date}.",
        "Rencontré {name} au salon de {city}.",
    ],
    "neg": [
        "Relancer après la mise à jour tarifaire.",
        "Le prospect compare avec la concurrence.",
        "Pas de réponse, réessayer la semaine prochaine.",
    ],
}

CRM_FIELDS = {
    "pii": [("Nom", "{name}"), ("E-mail", "{email}"), ("Téléphone", "{phone}"),
            ("Société", "{company}"), ("Adresse", "{address}"), ("N° client", "{customer_id}"),
            ("Ville", "{city}"), ("Responsable", "{a_name}")],
    "neg": [("Source", "{lead_source}"), ("Étape", "{stage}"), ("Secteur", "{industry}"),
            ("Statut", "{status}"), ("Offre", "{plan}")],
}

LLM = {
    "pii": [
        "Écris une réponse polie à {name} au sujet de la facture {invoice_no}.",
        "Je m'appelle {name}, j'habite à {city}. Aide-moi à écrire une lettre à mon propriétaire.",
    ],
    "neg": [
        "Écris une fonction Python qui valide une adresse e-mail.",
        "Traduis « Votre commande a été expédiée » en {lang_name}.",
        "Résume les notes de la réunion du {wd}.",
    ],
}

STRUCT = {
    "email_headers": {"from": "De", "to": "À", "cc": "Cc", "date": "Date", "subject": "Objet"},
    "bullets": ["- ", "* ", "• "],
    "note_headings": ["RÉSUMÉ", "PROCHAINES ÉTAPES", "Note interne :", "À NOTER"],
    "ticket_reply": ["--- Réponse du Service client ---", "Note interne :"],
}
