//! The console's queues page: what waits for a person.

use crate::text;

text!(TITLE, "Rindas", "Queues");
text!(
    INTRO,
    "Darbs, kas gaida cilvēku: paziņojumi un e-pasti, kurus neizdevās piegādāt pēc visiem mēģinājumiem, un maksājumi, kuru iznākumu statusa vaicājumi neuzzināja.",
    "Work that waits for a person: notifications and e-mail that every retry failed to deliver, and payments whose outcome no status query learned."
);
text!(
    DEAD_NOTIFICATIONS,
    "Nepiegādātie paziņojumi",
    "Dead notifications"
);
text!(
    DEAD_PAYER_MAIL,
    "Nepiegādātie maksātāju e-pasti",
    "Dead payer e-mail"
);
text!(UNRESOLVED, "Neatrisinātie maksājumi", "Unresolved payments");
text!(
    UNRESOLVED_HELP,
    "Atveriet pieprasījumu un vaicājiet pakalpojuma sniedzējam statusu vēlreiz, vai pārbaudiet maksājumu bankā.",
    "Open the request and ask the provider for its status again, or check the payment with the bank."
);
text!(NONE, "Nav neviena.", "None.");
text!(RESEND, "Sūtīt vēlreiz", "Send again");
text!(RESEND_ALL, "Sūtīt visus vēlreiz", "Send all again");
text!(REQUEST, "Pieprasījums", "Request");
text!(CLIENT, "Klients", "Client");
text!(STATUS, "Statuss", "Status");
text!(ATTEMPTS, "Mēģinājumi", "Attempts");
text!(CREATED, "Izveidots", "Created");
text!(ACTION, "Darbība", "Action");
text!(MESSAGE_KIND, "Vēstule", "Message");
text!(LAST_ERROR, "Pēdējā kļūda", "Last error");
text!(PAYMENT, "Maksājums", "Payment");
text!(PROVIDER, "Pakalpojuma sniedzējs", "Provider");
text!(AMOUNT, "Summa", "Amount");
text!(SINCE, "Kopš", "Since");
text!(
    NOTIFICATIONS_RESENT,
    "Paziņojumi atkal gaida sūtīšanu:",
    "Notifications waiting to be sent again:"
);
text!(
    PAYER_MAIL_RESENT,
    "E-pasti atkal gaida sūtīšanu:",
    "E-mail waiting to be sent again:"
);
text!(BAD_FORM_TITLE, "Nepareiza forma", "Bad form");
text!(
    BAD_FORM,
    "Forma nenosauca, ko sūtīt vēlreiz. Atveriet lapu no jauna.",
    "The form did not say what to send again. Open the page again."
);
