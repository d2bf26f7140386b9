//! The console's pain.001 batches page.

use crate::text;

text!(TITLE, "Maksājumu paketes", "Payment batches");
text!(
    INTRO,
    "Apstiprinātie maksājuma uzdevumi tiek apvienoti pain.001 paketēs. Ja Valsts kase nav sasniedzama tiešsaistē, lejupielādējiet paketes failu, nododiet to Valsts kasei un atzīmējiet to kā nodotu; tās atbildi (pain.002) augšupielādējiet izrakstu lapā.",
    "Approved payment orders are put into pain.001 batches. When the Treasury is not reached online, download a batch's file, hand it to the Treasury and mark it handed over; upload its answer (pain.002) on the statements page."
);
text!(NONE, "Pakešu vēl nav.", "No batches yet.");
text!(MESSAGE_ID, "Ziņojuma identifikators", "Message id");
text!(VERSION, "Versija", "Version");
text!(ORDERS, "Uzdevumi", "Orders");
text!(CONTROL_SUM, "Kontrolsumma", "Control sum");
text!(STATE, "Stāvoklis", "State");
text!(CREATED, "Izveidota", "Created");
text!(FILE, "Fails", "File");
text!(DOWNLOAD, "Lejupielādēt", "Download");
text!(MARK_SUBMITTED, "Atzīmēt kā nodotu", "Mark as handed over");
text!(READY, "gatava, nav nosūtīta", "ready, not sent");
text!(
    SUBMITTED,
    "nodota, gaida atbildi",
    "handed over, awaiting the answer"
);
text!(ANSWERED, "atbildēta", "answered");
text!(
    TO_STATUS_UPLOAD,
    "Augšupielādēt Valsts kases atbildi (pain.002)",
    "Upload the Treasury's answer (pain.002)"
);
text!(NOT_FOUND_TITLE, "Pakete nav atrasta", "Batch not found");
text!(NOT_FOUND, "Šādas paketes nav.", "There is no such batch.");
