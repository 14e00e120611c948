"""The words the data map may use, each with the plain-language phrase the policy prints.

A declaration that names anything not listed here fails the system check (privacy.E002), so
the policy can always say what a category, purpose or recipient means.
"""

CATEGORIES: dict[str, str] = {
    "identity.name": "your name",
    "identity.account": "your account (sign-in address, account number, settings)",
    "identity.social": "the identifier a sign-in provider (Google, Facebook) gives your account",
    "account.credentials": "your password (stored only as an Argon2 hash) and two-factor secrets",
    "contact.email": "your email address",
    "contact.phone": "your phone number",
    "contact.address": "your postal addresses (delivery and billing)",
    "commerce.order": "what you ordered, when, and what you paid",
    "financial.payment_reference": (
        "payment references from our payment processor (never card numbers)"
    ),
    "content.free_text": "what you write to us (order notes, messages)",
    "marketing.consent": "which mail you asked for, and when and how you confirmed it",
    "privacy.consent": "your cookie choices, and when you made them",
    "online.ip": "your IP address",
    "online.user_agent": "your browser and operating system",
    "online.activity": "the pages you asked for, when, and the page you came from",
    "online.session": "a session identifier that keeps you signed in and holds your cart",
    "security.audit": "records of what staff did in the back office",
    # Added with the first full data map: each names something the code really keeps.
    "identity.social_profile": (
        "the basic profile a sign-in provider sends when you use it: its identifier for you, "
        "your name and email address, and whether it verified that address"
    ),
    "account.activity": (
        "when you opened your account and last signed in, and changes made to it (such as "
        "disabling it): what, by whom and when"
    ),
    "account.tokens": (
        "one-time keys in the links we mail to confirm your email address (they expire in days)"
    ),
    "commerce.cart": "what you put in your cart",
    "content.mail": (
        "the mail we send you: its subject and text (which can include your name, address and "
        "order) and when it went out"
    ),
    "content.staff_note": "notes our staff add to your order or support request",
    "content.support": "your messages to our customer service, and our answers",
    "content.feedback": "comments you send us about the shop",
    "content.survey": "your answers to surveys you chose to take",
    "content.testimonial": (
        "testimonials you write, with the name form and affiliation you chose to show"
    ),
    "commerce.screening": "the result of our fraud checks on your orders, and the reasons for it",
    "privacy.request": (
        "the requests you make about your data (to see, correct or delete it), and what we did"
    ),
}

PURPOSES: dict[str, str] = {
    "order_fulfilment": "to take, deliver and support your orders",
    "payment": "to take payment and handle refunds",
    "account": "to run your account and let you sign in",
    "customer_service": "to answer you and keep you informed about your orders and account",
    "marketing": "to send the mail you asked for (only with your confirmed consent)",
    "security": "to keep the shop and your account secure and to stop abuse",
    "legal_obligation": "to keep the records the law requires (tax, accounting)",
    "analytics": "to count visits in aggregate and improve the shop",
    "consent_proof": "to show what you agreed to and when",
    "troubleshooting": "to find and fix faults in the shop",
    "improvement": "to learn, only in aggregate, how to improve the shop and our service",
    "publication": "to publish the testimonial you asked us to show (only with your consent)",
    "fraud_prevention": "to check orders for fraud, protecting you and the shop",
    "rights_requests": "to carry out your requests about your data and show that we did",
}

LEGAL_BASES: dict[str, str] = {
    "contract": "needed to perform our contract with you",
    "consent": "your consent, which you can withdraw at any time",
    "legitimate_interests": "our legitimate interests, balanced against yours",
    "legal_obligation": "a legal obligation",
}

# Who, outside the shop's own staff, may receive data.
RECIPIENTS: dict[str, str] = {
    "shipper": "the courier that delivers your order",
    "payment_processor": "our card payment processor (Stripe)",
    "mail_provider": "the mail service that delivers our email",
    "law_enforcement": "police or courts, only on a lawful request we have checked",
    "business_successor": "a buyer of the shop, only under the policy in effect at the time",
    "fraud_screener": "a fraud-screening service, when the shop uses an outside one",
    "public": "anyone who visits the shop (only what you chose to show)",
}

SOURCES: dict[str, str] = {
    "given": "what you give us",
    "automatic": "what we record automatically when you use the shop",
    "third_party": "what we receive from others (a sign-in provider, our payment processor)",
    "staff": "what our staff record while serving you",
}

# What happens when a retention period ends.
END_ACTIONS: dict[str, str] = {
    "delete": "deleted",
    "truncate": "shortened so it no longer identifies you",
    "pseudonymize": "stripped of what identifies you; the rest is kept",
}


# Purposes whose legal basis the law fixes, whatever basis the rest of a declaration names: a
# tax record is kept because the law says so, marketing happens only with consent.
PURPOSE_BASIS: dict[str, str] = {
    "legal_obligation": "legal_obligation",
    "consent_proof": "legal_obligation",
    "marketing": "consent",
    "publication": "consent",
    # Preventing fraud is a legitimate interest (GDPR recital 47), whatever else the data is for.
    "fraud_prevention": "legitimate_interests",
}

# What a retention period is counted from; "" means from when the record is made.
RETENTION_FROM: dict[str, str] = {
    "": "",
    "deletion_request": "after you ask us to delete your account",
    "staff_departure": "after the staff member leaves",
    "ended": "after it ends",
    "last_activity": "after the last message or change in it",
}
