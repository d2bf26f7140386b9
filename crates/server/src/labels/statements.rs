//! The console's statement upload.

use crate::text;

text!(TITLE, "Kontu izraksti", "Statements");
text!(
    INTRO,
    "Augšupielādējiet Valsts kases konta izrakstu (camt.053, camt.052 vai camt.054). Katrs fails tiek ielasīts vienā transakcijā: ja fails ir bojāts, nekas netiek saglabāts. Atkārtoti ielasīts fails neko nemaina.",
    "Upload a Treasury account statement (camt.053, camt.052 or camt.054). Each file is read in one transaction: a malformed file stores nothing. A file read again changes nothing."
);
text!(FILE, "Izraksta fails (XML)", "Statement file (XML)");
text!(IMPORT, "Ielasīt", "Import");
text!(IMPORTED, "Ielasīts:", "Imported:");
text!(STATEMENTS, "Izraksti", "Statements");
text!(ENTRIES, "Ieraksti", "Entries");
text!(REFUNDS_PROPOSED, "Ierosinātās atmaksas", "Refunds proposed");
text!(
    TO_REPORT,
    "Uz saskaņošanas pārskatu",
    "To the reconciliation report"
);
text!(
    REFUSED,
    "Fails netika ielasīts:",
    "The file was not imported:"
);
text!(
    NOT_A_FILE_FORM,
    "šī nav faila augšupielādes forma.",
    "this is not a file upload form."
);
text!(
    NO_FILE,
    "fails nav izvēlēts vai ir tukšs.",
    "no file was chosen, or it is empty."
);
text!(
    STATUS_TITLE,
    "Maksājumu statusa pārskats (pain.002)",
    "Payment status report (pain.002)"
);
text!(
    STATUS_INTRO,
    "Ja Valsts kase nav sasniedzama tiešsaistē, augšupielādējiet tās atbildi uz maksājuma uzdevumu paketi. Uzdevumi virzās tikai uz priekšu: atkārtots vai vecāks pārskats neko nemaina.",
    "When the Treasury is not reached online, upload its answer to a batch of payment orders. Orders only move forward: a repeated or older report changes nothing."
);
text!(
    STATUS_FILE,
    "Statusa pārskata fails (XML)",
    "Status report file (XML)"
);
text!(APPLY, "Piemērot", "Apply");
text!(APPLIED, "Piemērots:", "Applied:");
text!(ORDER, "Uzdevums (end-to-end)", "Order (end-to-end)");
text!(NEW_STATE, "Jaunais stāvoklis", "New state");
text!(
    UNCHANGED,
    "Nemainīti statusi:",
    "Statuses that changed nothing:"
);
text!(UNKNOWN, "Nezināmi uzdevumi:", "Orders that are not ours:");
text!(
    TO_ORDERS,
    "Uz maksājuma uzdevumiem",
    "To the payment orders"
);
