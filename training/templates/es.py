# ruff: noqa: E501 - template sentences read best unwrapped
"""Spanish template banks (same slot language as en.py)."""

TICKET = {
    "pii": [
        "Hola, soy {name} de {company}. Desde la actualización {version} no puedo iniciar sesión.",
        "Mi número de cliente es {customer_id} y el pedido es el {order_id}.",
        "Por favor, llámenme al {phone}, mejor después de las {time}.",
        "La factura {invoice_no} se envió a una dirección equivocada, la correcta es {address}.",
        "El reembolso debe hacerse al IBAN {iban}, titular {name}.",
        "El ticket {ticket_id} se cerró sin respuesta.",
        "{tname} llamó el {date} por la entrega en {city}.",
        "Mi usuario es {username}, el último acceso fue el {date}.",
        "Nuestro contacto es {o_name} ({o_email}).",
        "Mi DNI es {nat_id}, por si lo necesitan para la factura.",
    ],
    "neg": [
        "Desde la actualización, {feature} ya no funciona en {browser}.",
        "La factura del mes pasado no aparece en el área de cliente.",
        "Atención al Cliente todavía no me ha respondido.",
        "Estado cambiado de {status} a {status}.",
        "Mensaje de error: {error}.",
        "El pedido lleva {duration} bloqueado.",
        "Envíennos el archivo {file} y una captura de pantalla.",
        "Solución temporal: desactivar {feature} y reiniciar {product}.",
        "El problema está resuelto en la versión {version}, cerramos el ticket.",
        "¿{feature} está incluido en el plan {plan}?",
        "Se comentó en la reunión del {wd} como bloqueante.",
        "Gracias por contactarnos. Responderemos en un plazo de {duration}.",
        "No me llega el correo para restablecer la contraseña.",
    ],
}

TICKET_FIELDS = {
    "pii": [("Ticket", "{ticket_id}"), ("Cliente", "{name}"), ("Correo", "{email}"),
            ("Teléfono", "{phone}"), ("N.º de cliente", "{customer_id}"), ("Creado", "{datetime}"),
            ("Empresa", "{company}")],
    "neg": [("Prioridad", "{priority}"), ("Estado", "{status}"), ("Producto", "{product}"),
            ("Categoría", "Facturación"), ("Canal", "Formulario web"), ("Versión", "{version}")],
}

EMAIL = {
    "pii": [
        "adjunto el contrato firmado para {company}.",
        "Estaré fuera de la oficina hasta el {date}; para urgencias, contacte con {o_name} ({o_email}).",
        "¿Podemos mover la llamada al {weekday} a las {time}?",
        "Mi nuevo número de móvil es {phone}.",
        "El pago de la factura {invoice_no} se hará desde la cuenta {iban}.",
        "Como me pidieron, mi fecha de nacimiento es el {dob} y mi DNI {nat_id}.",
        "Nuestra nueva dirección es {address}.",
        "{o_name} de {company} asistirá a la reunión del {date}.",
        "Pueden contactarme en el {phone} o en {email}.",
    ],
    "neg": [
        "gracias por su rápida respuesta.",
        "Adjunto el archivo {file}.",
        "Quedo a su disposición para cualquier consulta.",
        "La Dirección ha aprobado el presupuesto.",
        "Este es un mensaje automático, por favor no responda.",
        "Su suscripción {plan} se renovará automáticamente.",
        "Abajo está el orden del día de la reunión del {wd}.",
        "Hemos actualizado nuestra política de privacidad.",
    ],
    "subject_pii": ["RE: Pedido {order_id}", "Factura {invoice_no}", "Reunión con {o_name}"],
    "subject_neg": ["RE: Factura", "Mantenimiento programado", "RV: Acta", "URGENTE: {error}",
                    "Su pedido"],
    "greet_pii": ["Hola {first},", "Buenos días {tname},", "Hola {tname}:", "Buenas tardes {first},"],
    "greet_neg": ["Estimados señores:", "Hola a todos,", "Buenos días,", "Hola equipo,"],
    "signoff": ["Saludos,", "Un saludo,", "Atentamente,", "Gracias,"],
    "sig_pii": ["{name}", "{first}", "{name}\n{job_title}\n{company}", "{name}\nTel.: {phone}"],
    "sig_neg": ["Atención al Cliente", "El equipo de {product}", "Enviado desde mi iPhone"],
    "quote_pii": ["El {date}, {o_name} <{o_email}> escribió:", "El {date} a las {time}, {o_name} escribió:"],
}

CHAT = {
    "pii": [
        "hola {a_first}, ¿puedes ver por qué la cuenta de {o_first} está bloqueada?",
        "mi correo es {email}",
        "llámame al {phone}",
        "el pedido {order_id} sigue {status}",
        "gracias {a_first}!",
        "vivo en {city}, ¿hacéis envíos allí?",
    ],
    "neg": [
        "¿alguien más ve {error} en {env}?",
        "desplegando {service} {version}",
        "¿se cancela la reunión del {wd}?",
        "¡Gracias, ya funciona!",
        "Un momento, lo reviso.",
        "¡Buen fin de semana a todos!",
    ],
    "speaker_neg": ["Cliente", "Agente", "Bot", "Soporte"],
}

HR = {
    "pii": [
        "{name} se incorporó al departamento de {dept} el {date} como {job_title}.",
        "Número de empleado {employee_id}, responsable: {a_name}.",
        "Contacto de emergencia: {o_name}, {phone}.",
        "Fecha de nacimiento: {dob}. Nacionalidad: {nationality}.",
        "{first} está de baja desde el {date} por {condition}.",
        "La nómina se ingresa en la cuenta {iban}.",
    ],
    "neg": [
        "Recursos Humanos busca un {role_title}.",
        "Toda la plantilla debe completar la formación de protección de datos.",
        "La nómina se paga el último día hábil del mes.",
        "Se permite teletrabajo hasta tres días por semana.",
    ],
}

HR_FIELDS = {
    "pii": [("Empleado", "{name}"), ("N.º empleado", "{employee_id}"), ("Fecha de nacimiento", "{dob}"),
            ("Dirección", "{address}"), ("IBAN", "{iban}"), ("Puesto", "{job_title}")],
    "neg": [("Departamento", "{dept}"), ("Contrato", "Indefinido"), ("Estado", "Activo")],
}

MEDICAL = {
    "pii": [
        "Paciente {name}, fecha de nacimiento {dob}, historia clínica {mrn}.",
        "Paciente de {age} años con {condition}.",
        "Antecedentes de {condition}; en tratamiento con {medication}.",
        "Derivado a {a_tname}, {hospital}, para {treatment}.",
        "Ingresó el {date} en el {hospital}.",
        "Familiar de contacto: {o_name}, {phone}.",
    ],
    "neg": [
        "Constantes dentro de la normalidad.",
        "Sin alergias conocidas.",
        "Volver a consulta si empeoran los síntomas.",
        "Los resultados están disponibles en el portal del paciente.",
    ],
    "headings": ["ANTECEDENTES", "EXPLORACIÓN", "JUICIO CLÍNICO", "TRATAMIENTO", "Plan:"],
}

MED_FIELDS = {
    "pii": [("Paciente", "{name}"), ("F. nacimiento", "{dob}"), ("Diagnóstico", "{condition}"),
            ("Tratamiento", "{medication}"), ("Médico", "{a_tname}")],
    "neg": [("Servicio", "Cardiología"), ("Habitación", "12"), ("Estado", "Alta")],
}

CRM = {
    "pii": [
        "Llamé a {first}, interesado en el plan {plan}.",
        "Presupuesto enviado a {email} el {date}.",
        "Conocí a {name} en la feria de {city}.",
    ],
    "neg": [
        "Hacer seguimiento tras la actualización de precios.",
        "El cliente potencial está comparando con la competencia.",
        "Sin respuesta, volver a intentar la semana que viene.",
    ],
}

CRM_FIELDS = {
    "pii": [("Nombre", "{name}"), ("Correo", "{email}"), ("Teléfono", "{phone}"),
            ("Empresa", "{company}"), ("Dirección", "{address}"), ("N.º cliente", "{customer_id}"),
            ("Ciudad", "{city}"), ("Responsable", "{a_name}")],
    "neg": [("Origen", "{lead_source}"), ("Etapa", "{stage}"), ("Sector", "{industry}"),
            ("Estado", "{status}"), ("Plan", "{plan}")],
}

LLM = {
    "pii": [
        "Escribe una respuesta amable a {name} sobre la factura {invoice_no}.",
        "Me llamo {name} y vivo en {city}. Ayúdame a escribir una carta a mi casero.",
    ],
    "neg": [
        "Escribe una función en Python que valide un correo electrónico.",
        "Traduce «Su pedido ha sido enviado» al {lang_name}.",
        "Resume las notas de la reunión del {wd}.",
    ],
}

STRUCT = {
    "email_headers": {"from": "De", "to": "Para", "cc": "CC", "date": "Fecha",
                      "subject": "Asunto"},
    "bullets": ["- ", "* ", "• "],
    "note_headings": ["RESUMEN", "PRÓXIMOS PASOS", "Nota interna:", "IMPORTANTE"],
    "ticket_reply": ["--- Respuesta de Atención al Cliente ---", "Nota interna:"],
}
