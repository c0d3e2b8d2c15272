# ruff: noqa: E501 - template sentences read best unwrapped
"""German template banks (same slot language as en.py). Capitalised German nouns such as
Rechnung, Kundendienst, Bestellung, Lieferung are hard negatives, not names."""

TICKET = {
    "pii": [
        "Guten Tag, hier ist {name} von {company}. Seit dem Update auf {version} kann ich mich nicht mehr anmelden.",
        "Meine Kundennummer ist {customer_id}, die Bestellung hat die Nummer {order_id}.",
        "Bitte rufen Sie mich unter {phone} zurück, am besten nach {time}.",
        "Die Rechnung {invoice_no} wurde an die falsche Adresse geschickt, richtig ist {address}.",
        "Die Erstattung bitte auf das Konto {iban}, Kontoinhaber {name}.",
        "Ticket {ticket_id} wurde ohne Antwort geschlossen.",
        "Mein Benutzername ist {username}, die letzte Anmeldung war am {date}.",
        "{tname} hat am {date} wegen der Lieferung nach {city} angerufen.",
        "Bitte senden Sie die Ersatzlieferung an {street}, {postcode} {city}.",
        "Unser Ansprechpartner ist {o_name} ({o_email}).",
        "Weitergeleitet an {a_name}, Kunde wünscht Rückruf unter {phone}.",
    ],
    "neg": [
        "Seit dem Update funktioniert {feature} nicht mehr in {browser}.",
        "Die Rechnung für den letzten Monat fehlt im Kundenportal.",
        "Der Kundendienst hat sich noch nicht gemeldet.",
        "Status geändert von {status} auf {status}.",
        "Fehlermeldung: {error}.",
        "Die Bestellung hängt seit {duration} im Status {status}.",
        "Bitte senden Sie uns die Datei {file} und einen Screenshot.",
        "Workaround: {feature} deaktivieren und {product} neu starten.",
        "Die Lieferung ist beschädigt angekommen, bitte um Ersatz.",
        "Das Problem ist in Version {version} behoben, das Ticket wird geschlossen.",
        "Ist {feature} im Tarif {plan} enthalten?",
        "Das Thema wurde im {wd}smeeting als Blocker markiert.",
        "Vielen Dank für Ihre Anfrage. Wir melden uns innerhalb von {duration}.",
        "Passwort zurücksetzen funktioniert nicht, es kommt keine E-Mail an.",
        "Die Störung betrifft nur Kunden mit {os}.",
    ],
}

TICKET_FIELDS = {
    "pii": [("Ticket", "{ticket_id}"), ("Kunde", "{name}"), ("E-Mail", "{email}"),
            ("Telefon", "{phone}"), ("Kundennummer", "{customer_id}"), ("Erstellt", "{datetime}"),
            ("Firma", "{company}"), ("Bearbeiter", "{a_name}")],
    "neg": [("Priorität", "{priority}"), ("Status", "{status}"), ("Produkt", "{product}"),
            ("Kategorie", "Rechnung"), ("Kategorie", "Lieferung"), ("Kanal", "Kontaktformular"),
            ("Version", "{version}")],
}

EMAIL = {
    "pii": [
        "anbei der unterschriebene Vertrag für {company}.",
        "Ich bin bis zum {date} nicht im Büro, in dringenden Fällen wenden Sie sich an {o_name} ({o_email}).",
        "Können wir unser Telefonat auf {weekday} um {time} verschieben?",
        "Meine neue Handynummer lautet {phone}.",
        "Die Zahlung der Rechnung {invoice_no} erfolgt von Konto {iban}.",
        "Wie gewünscht: mein Geburtsdatum ist der {dob}, meine Steuer-ID {tax_id}.",
        "Unsere neue Anschrift lautet {address}.",
        "{o_name} von {company} nimmt am {date} am Termin teil.",
        "Sie erreichen mich unter {phone} oder {email}.",
        "Ich schreibe im Auftrag meiner Mutter, {o_name}, Kundennummer {customer_id}.",
    ],
    "neg": [
        "vielen Dank für Ihre schnelle Rückmeldung.",
        "Im Anhang finden Sie die Datei {file}.",
        "Bei Fragen stehe ich Ihnen gerne zur Verfügung.",
        "Die Geschäftsführung hat das Budget freigegeben.",
        "Bitte beachten Sie, dass unser Kundendienst zwischen den Feiertagen geschlossen ist.",
        "Dies ist eine automatisch generierte Nachricht, bitte antworten Sie nicht.",
        "Ihr Abonnement im Tarif {plan} verlängert sich automatisch.",
        "Die Agenda für das {wd}smeeting folgt unten.",
        "Wir haben unsere Datenschutzerklärung aktualisiert.",
        "Die Buchhaltung benötigt die Rechnung bis Monatsende.",
    ],
    "subject_pii": ["AW: Bestellung {order_id}", "Rechnung {invoice_no}", "Termin mit {o_name}"],
    "subject_neg": ["AW: Rechnung", "Wartungsarbeiten", "WG: Protokoll", "Ihre Bestellung",
                    "DRINGEND: {error}", "Passwort zurücksetzen"],
    "greet_pii": ["Hallo {first},", "Guten Tag {tname},", "Hallo {tname},", "Moin {first},"],
    "greet_neg": ["Sehr geehrte Damen und Herren,", "Hallo zusammen,", "Guten Tag,",
                  "Hallo Team,", "Liebes Support-Team,"],
    "signoff": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "LG", "Freundliche Grüße"],
    "sig_pii": ["{name}", "{first}", "{name}\n{job_title}\n{company}", "{name}\nTel.: {phone}"],
    "sig_neg": ["Ihr Kundendienst", "Ihr {product}-Team", "Die Buchhaltung",
                "Von meinem iPhone gesendet"],
    "quote_pii": ["Am {date} schrieb {o_name} <{o_email}>:", "Am {date} um {time} schrieb {o_name}:"],
}

CHAT = {
    "pii": [
        "hi {a_first}, kannst du schauen warum das Konto von {o_first} gesperrt ist?",
        "meine email ist {email}",
        "klar, ruf mich an unter {phone}",
        "bestellung {order_id} steht immer noch auf {status}",
        "ich wohne in {city}, liefert ihr dahin?",
        "danke {a_first}!",
        "meine Kundennummer ist {customer_id}",
        "@{username} kannst du den PR reviewen?",
    ],
    "neg": [
        "hat noch jemand {error} auf {env}?",
        "deploye {service} {version} auf {env}",
        "ist das {wd}smeeting abgesagt?",
        "Danke, hat geklappt!",
        "Kundendienst meldet sich morgen",
        "Rechnung ist raus",
        "Moment bitte, ich schaue nach.",
        "Frohes Wochenende zusammen!",
    ],
    "speaker_neg": ["Kunde", "Agent", "Bot", "Support", "Mitarbeiter"],
}

HR = {
    "pii": [
        "{name} hat am {date} als {job_title} in der Abteilung {dept} begonnen.",
        "Personalnummer {employee_id}, Vorgesetzte: {a_name}.",
        "Notfallkontakt: {o_name}, {phone}.",
        "Geburtsdatum: {dob}, Staatsangehörigkeit: {nationality}.",
        "{first} ist seit dem {date} krankgeschrieben, Diagnose: {condition}.",
        "Das Gehalt wird auf das Konto {iban} überwiesen.",
        "Sozialversicherungsnummer {nat_id}, Steuer-ID {tax_id}.",
        "{first} ist {religion} und hat Sonderurlaub für Feiertage beantragt.",
    ],
    "neg": [
        "Die Personalabteilung sucht eine {role_title}.",
        "Alle Mitarbeitenden müssen die Datenschutzschulung abschließen.",
        "Die Gehaltsabrechnung erfolgt am letzten Werktag des Monats.",
        "Urlaubsanträge bitte über {product} einreichen.",
        "Homeoffice ist bis zu drei Tage pro Woche möglich.",
    ],
}

HR_FIELDS = {
    "pii": [("Mitarbeiter", "{name}"), ("Personalnummer", "{employee_id}"), ("Geburtsdatum", "{dob}"),
            ("Anschrift", "{address}"), ("IBAN", "{iban}"), ("Position", "{job_title}")],
    "neg": [("Abteilung", "{dept}"), ("Vertragsart", "Unbefristet"), ("Status", "Aktiv"),
            ("Arbeitsort", "Hybrid")],
}

MEDICAL = {
    "pii": [
        "Patient {name}, geb. {dob}, Fallnummer {mrn}.",
        "{age}-jährige Patientin mit {condition}.",
        "Bekannte {condition}, aktuelle Medikation: {medication}.",
        "Überweisung an {a_tname}, {hospital}, zur {treatment}.",
        "Aufnahme am {date} im {hospital}.",
        "Angehörige: {o_name}, Tel. {phone}.",
        "Versichert bei {insurer}, Versichertennummer {member_id}.",
    ],
    "neg": [
        "Vitalparameter unauffällig.",
        "Keine bekannten Allergien.",
        "Wiedervorstellung bei Beschwerden.",
        "Die Visite findet wie gewohnt statt.",
        "Befunde sind im Patientenportal abrufbar.",
    ],
    "headings": ["ANAMNESE", "BEFUND", "DIAGNOSE", "THERAPIE", "Procedere:", "Epikrise:"],
}

MED_FIELDS = {
    "pii": [("Patient", "{name}"), ("Geb.-Datum", "{dob}"), ("Diagnose", "{condition}"),
            ("Medikation", "{medication}"), ("Behandelnder Arzt", "{a_tname}")],
    "neg": [("Station", "3B"), ("Fachrichtung", "Kardiologie"), ("Status", "Entlassen")],
}

CRM = {
    "pii": [
        "{first} angerufen, Interesse am Tarif {plan}.",
        "Angebot an {email} gesendet am {date}.",
        "{name} auf der Messe in {city} getroffen.",
        "Ansprechpartner gewechselt: jetzt {o_name}, {job_title}.",
    ],
    "neg": [
        "Nachfassen nach der Preisanpassung.",
        "Kunde vergleicht mit Wettbewerbern.",
        "Keine Antwort, nächste Woche erneut versuchen.",
        "Verlängerung gefährdet wegen Budgetkürzungen.",
    ],
}

CRM_FIELDS = {
    "pii": [("Name", "{name}"), ("E-Mail", "{email}"), ("Telefon", "{phone}"),
            ("Firma", "{company}"), ("Adresse", "{address}"), ("Kundennummer", "{customer_id}"),
            ("Ort", "{city}"), ("Betreuer", "{a_name}"), ("USt-IdNr.", "{tax_id}")],
    "neg": [("Quelle", "{lead_source}"), ("Phase", "{stage}"), ("Branche", "{industry}"),
            ("Status", "{status}"), ("Tarif", "{plan}"), ("Region", "DACH")],
}

LLM = {
    "pii": [
        "Schreibe eine freundliche Antwort an {name} wegen der Rechnung {invoice_no}.",
        "Fasse diese E-Mail von {email} zusammen: {feature} funktioniert nicht.",
        "Ich heiße {name}, wohne in {city} und brauche einen Brief an meinen Vermieter.",
    ],
    "neg": [
        "Schreibe eine Python-Funktion, die IBANs prüft.",
        "Übersetze 'Ihre Bestellung wurde versandt' ins {lang_name}e.",
        "Erkläre den Unterschied zwischen Rechnung und Gutschrift.",
        "Fasse die Notizen aus dem {wd}smeeting zusammen.",
    ],
}

STRUCT = {
    "email_headers": {"from": "Von", "to": "An", "cc": "Cc", "date": "Datum",
                      "subject": "Betreff"},
    "bullets": ["- ", "* ", "• "],
    "note_headings": ["ZUSAMMENFASSUNG", "NÄCHSTE SCHRITTE", "Interne Notiz:", "Hinweis:"],
    "ticket_reply": ["--- Antwort Kundendienst ---", "Interne Notiz:"],
}
