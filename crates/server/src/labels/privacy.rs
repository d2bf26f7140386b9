//! The personal-data page of the console (`/admin/privacy`, docs/retention.md).

use crate::text;

text!(TITLE, "Personas dati", "Personal data");
text!(
    INTRO,
    "Atrodiet personu pēc personas koda: ko centrs par to glabā, eksports JSON formātā un dzēšana pēc personas pieprasījuma. Pēc glabāšanas termiņa dati tiek pseidonimizēti automātiski.",
    "Look a person up by their personal code: what the hub holds about them, an export as JSON, and erasure on the person's request. After the retention period the data is pseudonymised automatically."
);
text!(CODE, "Personas kods", "Personal code");
text!(LOOK_UP, "Atrast", "Look up");
text!(HELD_TITLE, "Ko centrs glabā", "What the hub holds");
text!(
    NOTHING_HELD,
    "Par šo kodu nekas netiek glabāts.",
    "Nothing is held about this code."
);
text!(NUMBER, "Numurs", "Number");
text!(CLIENT, "Klients", "Client");
text!(SERVICE, "Pakalpojums", "Service");
text!(STATUS, "Statuss", "Status");
text!(TOTAL, "Summa", "Total");
text!(CREATED, "Izveidots", "Created");
text!(PAYER, "Maksātājs", "Payer");
text!(
    PSEUDONYMISED,
    "Jau pseidonimizēti pieprasījumi",
    "Requests already pseudonymised"
);
text!(EXPORT, "Eksportēt JSON", "Export as JSON");
text!(REASON, "Dzēšanas pamatojums", "Reason for the erasure");
text!(ERASE, "Dzēst…", "Erase…");
text!(CONFIRM_TITLE, "Apstipriniet dzēšanu", "Confirm the erasure");
text!(
    CONFIRM_TEXT,
    "Šo pieprasījumu maksātāja dati tiks neatgriezeniski aizstāti (vārdi, e-pasts, tālrunis un adrese ar atzīmi, kods ar pseidonīmu). Summas, saņēmēji, datumi un statusi paliek. Pieprasījumu skaits:",
    "The payer's data of these requests will be replaced for good (names, e-mail, phone and address by a marker, the code by a pseudonym). Amounts, payees, dates and statuses stay. Requests:"
);
text!(ERASE_NOW, "Dzēst tagad", "Erase now");
text!(CANCEL, "Atcelt", "Cancel");
text!(
    ERASED,
    "Dati dzēsti. Pieprasījumu skaits:",
    "The data was erased. Requests:"
);
text!(
    INVALID_CODE,
    "Personas kodam jābūt 11 cipariem, arī formā DDMMGG-NNNNN.",
    "The personal code must be 11 digits, optionally written DDMMYY-NNNNN."
);
text!(
    REASON_REQUIRED,
    "Norādiet dzēšanas pamatojumu (personas pieprasījums, tā datums).",
    "Say why the data is erased (the person's request, its date)."
);
text!(
    OPEN_REQUESTS,
    "Personai ir vēl atvērti (P) pieprasījumi: dzēsiet pēc tam, kad tie ir samaksāti, beigušies vai atcelti.",
    "The person still has open (P) requests: erase after they are paid, expired or cancelled."
);
text!(
    UNAVAILABLE,
    "Datubāze pašlaik nav pieejama. Mēģiniet vēlreiz.",
    "The database is unavailable right now. Try again."
);
text!(REFUSED_TITLE, "Neizdevās", "Not done");
text!(LOG_TITLE, "Dzēšanas žurnāls", "Erasure log");
text!(
    LOG_EMPTY,
    "Nekas vēl nav dzēsts.",
    "Nothing has been erased yet."
);
text!(WHEN, "Kad", "When");
text!(RECORD, "Ieraksts", "Record");
text!(WHY, "Kāpēc", "Why");
text!(WHO, "Kas", "Who");
text!(NOTE, "Piezīme", "Note");
text!(REASON_RETENTION, "glabāšanas termiņš", "retention period");
text!(
    REASON_REQUEST,
    "personas pieprasījums",
    "the person's request"
);
text!(OLDER, "Vecāki ieraksti", "Older entries");
