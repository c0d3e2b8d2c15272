"""Hard-negative filler values: things that look like entities but are NOT PII.

FILLERS[lang][slot] -> list of strings. Slots missing for a language fall back to "en".
Nothing here may be a personal name, address, real person's contact or identifier.
"""

_PRODUCTS = [
    "Nimbus Sync", "DataVault Pro", "Orbit CRM", "SmartInvoice", "Beacon Analytics",
    "PulseDesk", "Harbor Backup", "Lumen Reports", "TaskForge", "Cobalt Mail", "Atlas Maps",
    "Quill Editor", "Nova Pay", "Relay Chat", "Summit HR", "Falcon Deploy", "Prism BI",
    "Echo Voice", "Vertex Cloud", "Helix Notes", "Zephyr VPN", "Keystone Vault",
    "Mosaic Studio", "Granite DB", "Sparrow Mobile", "Customer Portal", "Billing Center",
    "Help Center", "Partner Hub", "Insights Dashboard", "SnapForms", "LedgerLite", "CloudDesk",
]
_TOOLS = [
    "Slack", "Jira", "Zoom", "Excel", "Outlook", "Teams", "Chrome", "Firefox", "Safari",
    "GitHub", "GitLab", "Confluence", "Notion", "Trello", "Kubernetes", "Docker", "Postgres",
    "Redis", "Grafana", "Terraform", "Jenkins", "PowerPoint", "Google Sheets", "VS Code",
    "Word", "Python", "Node", "Kafka", "Sentry", "Datadog", "Okta", "Windows Update",
]
_ERRORS = [
    "ERR_CONNECTION_RESET", "NullPointerException", "HTTP 502 Bad Gateway",
    "Error 0x80070005", "ECONNREFUSED", "Segmentation fault (core dumped)",
    "java.lang.OutOfMemoryError: Java heap space", "TypeError: Cannot read properties of undefined",
    "KeyError: 'customer_id'", "504 Gateway Timeout", "SSL_ERROR_BAD_CERT_DOMAIN",
    "Access Denied", "Invalid Token", "Session Expired", "Upload Failed",
    "ValueError: invalid literal for int()", "ORA-00942: table or view does not exist",
    "DNS_PROBE_FINISHED_NXDOMAIN", "Error 401 Unauthorized", "429 Too Many Requests",
    "Something went wrong. Please try again later.", "Unexpected end of JSON input",
    "ModuleNotFoundError: No module named 'requests'",
    "CORS policy: No 'Access-Control-Allow-Origin'",
    "disk quota exceeded", "Permission denied (publickey)", "E11000 duplicate key error",
    "SyncConflictError", "PaymentDeclined", "AuthenticationFailed", "RateLimitExceeded",
]
_CODE = [
    "getUserById()", "customer_id", "OrderService", "handleSubmit", "MAX_RETRIES", "user_email",
    "InvoiceController", "parse_address()", "AccountManager", "fetchProfile", "isAdmin",
    "PaymentGateway.charge()", "send_welcome_email", "UserRepository", "config.timeout",
    "first_name", "last_name", "phone_number", "billing_address", "createdAt", "SessionStore",
    "ENABLE_BETA", "retry_with_backoff()", "CustomerDTO", "normalize_phone", "AuthMiddleware",
    "validate_iban()", "email_regex", "api_key_header", "PasswordResetHandler", "NameField",
]
_FILES = [
    "invoice_template.xlsx", "config.yaml", "README.md", "export_2.csv", "screenshot.png",
    "error_log.txt", "Q3_report_final_v2.pdf", "docker-compose.yml", "settings.json",
    "backup.tar.gz", "contract_draft.docx", "customers_import.csv", "main.py", "index.html",
    "release-notes.md", "HAR_capture.har", "crash_dump.dmp", "styles.css", "migration_042.sql",
    "onboarding_checklist.pdf", "budget_2025.xlsx", "app.log", "package.json", "Dockerfile",
]
_VERSIONS = [
    "v2.14.3", "3.2", "version 5.0.1", "build 4812", "1.8.0-beta", "v4", "2.0 RC1", "7.3.12",
    "v10.2.0", "4.1 LTS", "0.9.7", "v3.11.2", "6.0", "release 2024.2", "v1.0.0-rc.3",
]
_OS = [
    "Windows 11", "Windows 10", "macOS Sonoma", "macOS 14.2", "Ubuntu 22.04", "iOS 17.2",
    "Android 14", "ChromeOS", "Debian 12", "iPadOS 17", "Fedora 39",
]
_BROWSERS = [
    "Chrome", "Firefox", "Safari", "Edge", "Chrome 120.0.6099.109", "Firefox 121.0",
    "Safari 17.1", "Edge 119.0.2151.97", "Brave", "Opera",
]
_SERVICES = [
    "auth-service", "billing-api", "notification-worker", "search-indexer", "gateway",
    "orders-svc", "payments", "scheduler", "export-worker", "user-service", "cdn-edge",
    "sync-daemon", "reporting", "webhooks", "frontend",
]
_COMPONENTS = [
    "Billing", "Login", "Search", "Notifications", "Reports", "Integrations", "Mobile",
    "API", "Exports", "Permissions", "Calendar", "Dashboard", "Checkout", "Onboarding",
]
_CODENAMES = [
    "Project Phoenix", "Project Falcon", "Operation Lighthouse", "Project Atlas", "Blue Harbor",
    "Project Nightingale", "Tiger Team", "Project Everest", "Red Kite", "Project Orion",
]
_HTTP = ["404", "500", "502", "503", "401", "403", "429", "504", "400", "409"]
_ENVS = ["staging", "prod", "production", "dev", "QA", "sandbox", "eu-west-1", "us-east-1"]
_AMOUNTS = ["$49.99", "$1,200", "€120", "£35.00", "$9.99/month", "€2,450.00", "$15", "£89"]
_SIZES = ["2.3 GB", "450 MB", "12 KB", "1.1 TB", "80 MB", "5 MB"]
_PERCENT = ["99%", "42%", "0%", "87 %", "100%", "63%"]
_ROLE_TITLES = [
    "Senior Software Engineer", "Customer Success Manager", "Data Analyst", "Product Manager",
    "HR Business Partner", "Account Executive", "DevOps Engineer", "Office Manager",
    "Support Specialist", "Head of Finance", "Claims Adjuster", "Registered Nurse",
    "UX Designer", "Sales Development Representative", "Chief Technology Officer",
]

EN = {
    "product": _PRODUCTS,
    "tool": _TOOLS,
    "error": _ERRORS,
    "code_ident": _CODE,
    "file": _FILES,
    "version": _VERSIONS,
    "os": _OS,
    "browser": _BROWSERS,
    "service": _SERVICES,
    "component": _COMPONENTS,
    "codename": _CODENAMES,
    "http": _HTTP,
    "env": _ENVS,
    "amount": _AMOUNTS,
    "size": _SIZES,
    "percent": _PERCENT,
    "role_title": _ROLE_TITLES,
    "feature": [
        "Auto-Sync", "Dark Mode", "Single Sign-On", "Export to CSV", "Smart Filters",
        "Two-Factor Authentication", "bulk upload", "the calendar integration", "Offline Mode",
        "Scheduled Reports", "the Kanban view", "Auto-Reply", "push notifications",
        "the search bar", "Quick Pay", "audit logging", "role-based access", "Magic Link login",
        "the PDF export", "Workflow Builder", "shared inboxes", "custom fields",
    ],
    "status": [
        "Open", "Pending", "Resolved", "Closed", "Escalated", "Waiting on Customer",
        "In Progress", "Won't Fix", "On Hold", "New", "Reopened", "Awaiting Approval",
    ],
    "priority": ["P1", "P2", "P3", "High", "Low", "Urgent", "Normal", "SEV2", "Critical"],
    "plan": ["Premium", "Enterprise", "Basic", "Pro", "Starter", "Business", "Gold", "Free"],
    "team": [
        "support team", "billing department", "engineering team", "Customer Success team",
        "Security team", "on-call engineer", "IT helpdesk", "Finance team", "Product team",
        "claims team", "HR department", "legal team", "Platform team", "Tier 2 support",
    ],
    "role": [
        "account manager", "administrator", "support agent", "team lead", "on-call engineer",
        "case handler", "nurse", "attending physician", "recruiter", "hiring manager",
        "project manager", "claims adjuster", "data protection officer", "Admin", "Viewer",
    ],
    "dept": [
        "Finance", "Marketing", "Engineering", "Sales", "Operations", "Legal", "HR",
        "Customer Support", "Procurement", "IT", "Research", "Facilities",
    ],
    "wd": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "duration": [
        "24 hours", "48 hours", "two business days", "a few minutes", "30 seconds",
        "about an hour", "one week", "5 minutes", "three days", "the next sprint",
    ],
    "count": ["3", "12", "250", "1,024", "17", "5", "40", "8", "100", "2"],
    "lang_name": ["German", "French", "Spanish", "Italian", "Dutch", "Japanese", "Portuguese"],
    "port": ["8080", "443", "5432", "3000", "6379", "22", "9200"],
    "commit": ["a3f9c21", "e71b0d4", "9c2d8fa", "4be17c3", "f00d9e2", "1a2b3c4"],
    "build": ["#4812", "4813", "1207", "#998", "20931"],
    "req_id": ["req_8f3a2c91", "trace-77e1c0", "corr-4d2a", "span 9f3e", "job-5521"],
    "industry": ["Retail", "Healthcare", "Manufacturing", "Logistics", "Financial Services",
                 "SaaS"],
    "stage": ["Prospecting", "Qualification", "Negotiation", "Closed Won", "Closed Lost", "Demo"],
    "lead_source": ["Webinar", "Trade Show", "Referral", "Organic Search", "Partner", "Cold Call"],
    "sex": ["male", "female", "man", "woman"],
    # unfilled mail-merge / template placeholders: look like names, are not PII
    "merge_field": ["{{first_name}}", "%FIRSTNAME%", "[Customer Name]", "<name>", "$USER",
                    "{{ customer.name }}", "[NAME]", "*|FNAME|*", "{{agent_name}}"],
}

DE = {
    "feature": [
        "Zwei-Faktor-Authentifizierung", "Rechnungsexport", "Dunkelmodus", "Offline-Modus",
        "die Kalender-Integration", "der PDF-Export", "Sammelupload", "Benachrichtigungen",
        "die Suchfunktion", "Schnellzahlung", "Einmalanmeldung (SSO)",
    ],
    "status": ["Offen", "In Bearbeitung", "Gelöst", "Geschlossen", "Eskaliert", "Wartend"],
    "priority": ["Hoch", "Niedrig", "Normal", "Dringend", "Kritisch", "P1", "P2"],
    "plan": ["Premium", "Enterprise", "Basis", "Pro", "Business"],
    "team": [
        "Kundendienst", "Support-Team", "Buchhaltung", "IT-Abteilung", "Vertrieb",
        "Rechtsabteilung", "Personalabteilung", "Geschäftsführung", "Technik-Team",
    ],
    "role": [
        "Sachbearbeiter", "Administrator", "Teamleiter", "Kundenberater", "Datenschutzbeauftragte",
        "Stationsarzt", "Pflegekraft", "Projektleiterin",
    ],
    "dept": ["Finanzen", "Vertrieb", "Personal", "Einkauf", "Marketing", "Entwicklung"],
    "wd": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"],
    "duration": ["24 Stunden", "zwei Werktagen", "wenigen Minuten", "einer Woche", "drei Tagen"],
    "lang_name": ["Englisch", "Französisch", "Spanisch", "Italienisch", "Deutsch"],
    "amount": ["49,99 €", "120 €", "1.200,00 €", "9,99 € pro Monat", "35 EUR"],
    "role_title": [
        "Softwareentwickler (m/w/d)", "Sachbearbeiterin Buchhaltung", "Teamleiter Vertrieb",
        "Kundenberater", "Projektmanagerin", "Leiterin Personal",
    ],
    "industry": ["Einzelhandel", "Gesundheitswesen", "Logistik", "Maschinenbau"],
    "stage": ["Erstkontakt", "Angebot", "Verhandlung", "Gewonnen", "Verloren"],
    "lead_source": ["Messe", "Empfehlung", "Webinar", "Website"],
}

FR = {
    "feature": [
        "l'authentification à deux facteurs", "l'export des factures", "le mode sombre",
        "le mode hors ligne", "l'intégration du calendrier", "l'export PDF",
        "les notifications", "la recherche", "le paiement rapide",
    ],
    "status": ["Ouvert", "En cours", "Résolu", "Fermé", "Escaladé", "En attente"],
    "priority": ["Haute", "Basse", "Normale", "Urgente", "Critique", "P1"],
    "plan": ["Premium", "Entreprise", "Essentiel", "Pro"],
    "team": [
        "Service client", "équipe support", "service comptabilité", "service informatique",
        "Direction", "service juridique", "service des ressources humaines",
    ],
    "role": ["conseiller clientèle", "administrateur", "chef d'équipe", "médecin traitant",
             "infirmière", "gestionnaire de sinistres"],
    "dept": ["Finance", "Ventes", "Ressources humaines", "Achats", "Marketing", "Informatique"],
    "wd": ["lundi", "mardi", "mercredi", "jeudi", "vendredi"],
    "duration": ["24 heures", "deux jours ouvrés", "quelques minutes", "une semaine"],
    "lang_name": ["anglais", "allemand", "espagnol", "italien", "français"],
    "amount": ["49,99 €", "120 €", "1 200,00 €", "9,99 € par mois"],
    "role_title": ["Développeur senior", "Chargée de clientèle", "Responsable commercial",
                   "Chef de projet", "Comptable"],
    "industry": ["Commerce", "Santé", "Logistique", "Industrie"],
    "stage": ["Prospection", "Proposition", "Négociation", "Gagné", "Perdu"],
    "lead_source": ["Salon", "Recommandation", "Webinaire", "Site web"],
}

ES = {
    "feature": [
        "la autenticación en dos pasos", "la exportación de facturas", "el modo oscuro",
        "el modo sin conexión", "la integración con el calendario", "la exportación a PDF",
        "las notificaciones", "el buscador", "el pago rápido",
    ],
    "status": ["Abierto", "En curso", "Resuelto", "Cerrado", "Escalado", "Pendiente"],
    "priority": ["Alta", "Baja", "Normal", "Urgente", "Crítica", "P1"],
    "plan": ["Premium", "Empresa", "Básico", "Pro"],
    "team": [
        "Atención al Cliente", "Soporte técnico", "departamento de contabilidad",
        "departamento de informática", "Dirección", "departamento legal", "Recursos Humanos",
    ],
    "role": ["agente de soporte", "administrador", "jefe de equipo", "médico de cabecera",
             "enfermera", "tramitador de siniestros"],
    "dept": ["Finanzas", "Ventas", "Recursos Humanos", "Compras", "Marketing", "Sistemas"],
    "wd": ["lunes", "martes", "miércoles", "jueves", "viernes"],
    "duration": ["24 horas", "dos días hábiles", "unos minutos", "una semana"],
    "lang_name": ["inglés", "alemán", "francés", "italiano", "español"],
    "amount": ["49,99 €", "120 €", "1.200,00 €", "9,99 € al mes"],
    "role_title": ["Desarrollador sénior", "Agente de atención al cliente", "Jefa de proyecto",
                   "Responsable de ventas", "Contable"],
    "industry": ["Comercio", "Sanidad", "Logística", "Industria"],
    "stage": ["Prospección", "Propuesta", "Negociación", "Ganado", "Perdido"],
    "lead_source": ["Feria", "Recomendación", "Webinar", "Sitio web"],
}

FILLERS = {"en": EN, "de": DE, "fr": FR, "es": ES}
