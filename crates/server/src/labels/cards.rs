//! The card payments' page (docs/providers/firstdata.md).

use crate::text;

text!(TITLE, "Karšu maksājumi", "Card payments");
text!(TO_GIVE_BACK, "Atmaksājamie", "To give back");
text!(
    TO_GIVE_BACK_INTRO,
    "Karšu maksājumi pieprasījumiem, kas naudu nevarēja pieņemt (atcelti, beigušies vai jau apmaksāti citādi). Viens operators ierosina atmaksu, cits to apstiprina; tikai tad ekvairers atgriež visu summu uz karti.",
    "Card payments that arrived for a request that could not take them (cancelled, expired, or paid another way meanwhile). One operator proposes giving the money back, another approves it; only then does the acquirer return the whole amount to the card."
);
text!(OLDEST_FIRST, "Vecākie vispirms", "Oldest first");
text!(ATTEMPT, "Maksājuma mēģinājums", "Payment attempt");
text!(REQUEST, "Pieprasījums", "Request");
text!(ACQUIRER, "Ekvairers", "Acquirer");
text!(ACQUIRER_ID, "Ekvairera identifikators", "Acquirer's id");
text!(AMOUNT, "Summa", "Amount");
text!(PAID, "Samaksāts", "Paid");
text!(ACTION, "Darbība", "Action");
text!(
    NOTHING_TO_GIVE_BACK,
    "Nav ko atmaksāt.",
    "Nothing to give back."
);
text!(PROPOSE, "Ierosināt atmaksu", "Propose reversal");
text!(APPROVE, "Apstiprināt atmaksu", "Approve reversal");
text!(PROPOSED_BY, "Ierosināja", "Proposed by");
text!(
    WAITING_FOR_ANOTHER,
    "gaida cita operatora apstiprinājumu",
    "waits for another operator's approval"
);
text!(BUSINESS_DAYS, "Darba dienas", "Business days");
text!(
    NO_ACQUIRER,
    "Neviens ekvairers nav pieslēgts.",
    "No card acquirer is connected."
);
text!(CLOSE_DAY, "Slēgt dienu tagad:", "Close the day now at");
text!(
    CLOSE_DAY_NOTE,
    "(diena tiek slēgta arī katru dienu iestatītajā laikā)",
    "(it is also closed every day at the configured time)"
);
text!(
    CLOSES_CAPTION,
    "Slēgtās dienas, jaunākās vispirms: ekvairera summas blakus centra summām",
    "Closed days, newest first: the acquirer's totals beside the hub's"
);
text!(CLOSED, "Slēgta", "Closed");
text!(PERIOD_FROM, "Periods no", "Period from");
text!(ACQUIRER_TOTALS, "Ekvairera summas", "Acquirer's totals");
text!(HUB_TOTALS, "Centra summas", "The hub's totals");
text!(RESULT, "Rezultāts", "Result");
text!(
    NO_DAY_CLOSED,
    "Neviena diena vēl nav slēgta.",
    "No day closed yet."
);
text!(THE_BEGINNING, "sākums", "the beginning");
text!(MATCH, "sakrīt", "match");
text!(
    DIFFER,
    "atšķiras: atrodiet maksājumu, par kuru puses nav vienisprātis",
    "differ: find the payment the two sides disagree on"
);
text!(PAYMENTS, "maksājumi", "payments");
text!(REVERSALS, "atmaksas", "reversals");
text!(
    NOTICE_PROPOSED,
    "Atmaksa ierosināta: to apstiprina cits operators.",
    "The reversal was proposed: another operator approves it."
);
text!(
    NOTICE_ALREADY_PROPOSED,
    "Šī atmaksa jau ir ierosināta.",
    "That reversal had already been proposed."
);
text!(
    NOTICE_REVERSED,
    "Karšu maksājums atmaksāts: nauda tiek atgriezta uz karti.",
    "The card payment was reversed: the money goes back to the card."
);
text!(
    NOTICE_ALREADY,
    "Šis karšu maksājums jau bija atmaksāts.",
    "That card payment had already been reversed."
);
text!(
    NOTICE_CLOSED,
    "Darba diena slēgta; tās summas sakrīt ar centra summām.",
    "The business day was closed; its totals match the hub's."
);
text!(
    NOTICE_MISMATCH,
    "Darba diena slēgta, un tās summas atšķiras no centra summām: skatiet tabulu.",
    "The business day was closed, and its totals differ from the hub's: see the table."
);
text!(REFUSED_TITLE, "Atteikts", "Refused");
text!(
    NAME_THE_ACQUIRER,
    "Norādiet ekvaireru, kura dienu slēgt.",
    "Name the acquirer whose day to close."
);
text!(
    NO_SUCH_ATTEMPT,
    "Šāda maksājuma mēģinājuma nav.",
    "There is no such payment attempt."
);
text!(
    ACQUIRER_UNREACHABLE,
    "Ekvairers nebija sasniedzams",
    "The acquirer could not be reached"
);
