//! The console's payment requests (docs/console-requests.md): the search, a
//! request's page with its timeline, and the actions' notices.

use crate::text;

text!(TITLE, "Maksājumu pieprasījumi", "Payment requests");
text!(SEARCH, "Meklēt", "Search");
text!(SEARCH_LEGEND, "Meklēšanas nosacījumi", "Search filters");
text!(CLEAR, "Notīrīt", "Clear");
text!(F_CLIENT, "Klients (e-pakalpojums)", "Client (e-service)");
text!(F_STATUS, "Statuss", "Status");
text!(F_ANY_STATUS, "jebkurš", "any");
text!(F_FROM, "Izveidots no (datums)", "Created from (date)");
text!(
    F_TILL,
    "Izveidots līdz (datums, ieskaitot)",
    "Created until (date, inclusive)"
);
text!(F_SERVICE, "Pakalpojuma kods", "Service code");
text!(F_STEP, "Pakalpojuma solis", "Service step");
text!(
    F_PROVIDER,
    "Maksājumu pakalpojumu sniedzējs",
    "Payment provider"
);
text!(F_AMOUNT_FROM, "Summa no", "Amount from");
text!(F_AMOUNT_TILL, "Summa līdz", "Amount up to");
text!(
    F_PAYER,
    "Maksātāja personas kods vai reģistrācijas numurs",
    "Payer's personal code or registration number"
);
text!(F_NUMBER, "Pieprasījuma numurs", "Request number");
text!(F_ID, "Pieprasījuma identifikators", "Request id");
text!(
    F_PURPOSE,
    "Maksājuma identifikators (34 zīmes)",
    "Payment identifier (34 characters)"
);
text!(
    NONE_FOUND,
    "Neviens pieprasījums neatbilst nosacījumiem.",
    "No request matches the filters."
);
text!(NEXT_PAGE, "Nākamā lapa", "Next page");
text!(FIRST_PAGE, "Pirmā lapa", "First page");
text!(
    RESULTS,
    "Atrastie pieprasījumi (jaunākie vispirms)",
    "Requests found (newest first)"
);
text!(
    BAD_FILTER_TITLE,
    "Nederīgs meklēšanas nosacījums",
    "Invalid search filter"
);
text!(COL_NUMBER, "Numurs", "Number");
text!(COL_CREATED, "Izveidots", "Created");
text!(COL_CLIENT, "Klients", "Client");
text!(COL_SERVICE, "Pakalpojums", "Service");
text!(COL_TOTAL, "Summa", "Total");
text!(COL_STATUS, "Statuss", "Status");
text!(COL_WHEN, "Kad", "When");
text!(COL_WHAT, "Kas", "What");
text!(COL_ACTOR, "Kas to darīja", "Actor");
text!(COL_DETAILS, "Sīkāk", "Details");
text!(COL_SEQUENCE, "Nr.", "No.");
text!(COL_PAYEE, "Saņēmējs", "Payee");
text!(COL_PURPOSE, "Mērķis", "Purpose");
text!(COL_POSITIONS, "Pozīcijas", "Positions");
text!(COL_PROVIDER, "Sniedzējs", "Provider");
text!(COL_STATE, "Stāvoklis", "State");
text!(COL_AMOUNT, "Summa", "Amount");
text!(COL_ATTEMPT, "Mēģinājums", "Attempt");
text!(COL_EVENT, "Notikuma id", "Event id");
text!(COL_ANNOUNCES, "Paziņo statusu", "Announces status");
text!(COL_TRIES, "Piegādes mēģinājumi", "Delivery tries");
text!(COL_ACTION, "Darbība", "Action");
text!(REQUEST, "Pieprasījums", "Request");
text!(D_ID, "Identifikators", "Id");
text!(D_CLIENT, "Klients", "Client");
text!(D_SERVICE, "Pakalpojums", "Service");
text!(D_STEP, "Solis", "Step");
text!(D_STATUS, "Statuss", "Status");
text!(D_CREATED, "Izveidots", "Created");
text!(D_EXPIRES, "Derīgs līdz", "Expires");
text!(D_PAID, "Samaksāts", "Paid");
text!(D_TOTAL, "Kopā", "Total");
text!(D_PAYER, "Maksātājs", "Payer");
text!(D_PAYER_CODE, "Maksātāja kods", "Payer's code");
text!(D_URLS, "Klienta adreses", "Client's URLs");
text!(D_PAYER_PAGE, "Maksātāja lapa", "Payer's page");
text!(PAYMENTS, "Maksājumi", "Payments");
text!(
    ATTEMPTS,
    "Mēģinājumi pie pakalpojumu sniedzējiem",
    "Attempts at providers"
);
text!(
    NO_ATTEMPTS,
    "Maksātājs vēl nav sācis maksāt.",
    "The payer has not started paying yet."
);
text!(
    NOTIFICATIONS,
    "Paziņojumi klientam",
    "Notifications to the client"
);
text!(
    NO_NOTIFICATIONS,
    "Šim pieprasījumam nav paziņojumu.",
    "This request has no notifications."
);
text!(TIMELINE, "Vēsture", "History");
text!(
    TIMELINE_CUT,
    "Vēsture ir garāka; parādīti pirmie ieraksti:",
    "The history is longer; showing the first entries:"
);
text!(ACTIONS, "Darbības", "Actions");
text!(RESEND, "Sūtīt vēlreiz", "Re-send");
text!(
    ASK_STATUS,
    "Jautāt sniedzējam statusu tagad",
    "Ask the provider for the status now"
);
text!(CANCEL, "Atcelt pieprasījumu", "Cancel the request");
text!(ISSUE_RECEIPT, "Izsniegt čeku", "Issue the receipt");
text!(
    ISSUE_INVOICE,
    "Izsniegt jaunu rēķinu",
    "Issue a new invoice"
);
text!(
    DOCUMENT,
    "Jaunākais dokuments (PDF)",
    "Latest document (PDF)"
);
text!(
    VIEWER_ONLY,
    "Jūsu loma ļauj tikai skatīt.",
    "Your role can only look."
);
text!(
    N_RESENT,
    "Paziņojums ielikts sūtīšanai vēlreiz.",
    "The notification is queued to be sent again."
);
text!(
    N_NO_SUCH_NOTIFICATION,
    "Šim pieprasījumam nav tāda paziņojuma.",
    "This request has no such notification."
);
text!(
    N_EXECUTED,
    "Sniedzējs atbildēja: maksājums izpildīts.",
    "The provider answered: the payment is executed."
);
text!(
    N_REJECTED,
    "Sniedzējs atbildēja: maksājums noraidīts.",
    "The provider answered: the payment is rejected."
);
text!(
    N_ACCEPTED,
    "Sniedzējs atbildēja: maksājums pieņemts, vēl nav izpildīts.",
    "The provider answered: the payment is accepted, not yet executed."
);
text!(
    N_NO_ANSWER,
    "Sniedzējam vēl nav iznākuma.",
    "The provider has no outcome yet."
);
text!(
    N_UNAVAILABLE,
    "Sniedzējs nav sasniedzams. Mēģiniet vēlāk.",
    "The provider cannot be reached. Try again later."
);
text!(
    N_REFUSED,
    "Sniedzēja atbilde netika pieņemta (tā ir reģistrēta vēsturē).",
    "The provider's answer was refused (it is recorded in the history)."
);
text!(
    N_NO_CONNECTOR,
    "Centram nav savienojuma ar šo sniedzēju.",
    "The hub has no connection to this provider."
);
text!(
    N_NO_OPEN_ATTEMPT,
    "Pieprasījumam nav atvērta mēģinājuma pie sniedzēja.",
    "The request has no open attempt at a provider."
);
text!(
    N_CANCELLED,
    "Pieprasījums atcelts; klientam tiks paziņots.",
    "The request is cancelled; the client will be notified."
);
text!(
    N_CANCEL_REFUSED,
    "Pieprasījumu šajā statusā nevar atcelt (samaksāts, beidzies vai jau atcelts).",
    "The request cannot be cancelled in its status (paid, expired or already cancelled)."
);
text!(N_ISSUED, "Dokuments izsniegts.", "The document is issued.");
text!(
    N_NOT_DUE,
    "Čeks nav izsniedzams: pieprasījums nav samaksāts vai čeks jau izsniegts.",
    "No receipt is due: the request is not paid, or its receipt was issued."
);
text!(
    N_BAD_FORM,
    "Veidlapā trūkst vai ir nederīga vērtība.",
    "The form lacks a value or has an invalid one."
);
text!(
    P_TOO_LONG,
    "ir par garu (ne vairāk kā 64 zīmes)",
    "is too long (at most 64 characters)"
);
text!(
    P_CLIENT,
    "nav klienta identifikators (burti, cipari, „.”, „-”, „_”)",
    "is not a client id (letters, digits, '.', '-', '_')"
);
text!(
    P_STATUS,
    "nav statuss (P, E, R, O vai C)",
    "is not a status (P, E, R, O or C)"
);
text!(
    P_DATE,
    "nav datums GGGG-MM-DD (2000–2200)",
    "is not a date YYYY-MM-DD (2000–2200)"
);
text!(
    P_AMOUNT,
    "nav summa, piemēram, 12.34",
    "is not an amount such as 12.34"
);
text!(
    P_PROVIDER,
    "nav maksājumu pakalpojumu sniedzēja kods",
    "is not a payment provider code"
);
text!(
    P_PAYER,
    "nav personas kods vai reģistrācijas numurs (11 cipari vai DDMMGG-NNNNN)",
    "is not a personal code or registration number (11 digits or DDMMYY-NNNNN)"
);
text!(
    P_NUMBER,
    "nav pieprasījuma numurs (burti, cipari un „-”)",
    "is not a request number (letters, digits and '-')"
);
text!(
    P_ID,
    "nav pieprasījuma identifikators (GUID)",
    "is not a request id (a GUID)"
);
text!(
    P_PURPOSE,
    "nav 34 zīmju maksājuma identifikators",
    "is not a 34-character payment identifier"
);
text!(
    P_CODE,
    "drīkst saturēt tikai burtus, ciparus, „-”, „_”, „.”",
    "may hold only letters, digits, '-', '_', '.'"
);
text!(
    P_REVERSED,
    "ir pirms sākuma vērtības",
    "lies before the lower bound"
);
text!(
    P_CURSOR,
    "nav šīs lapas dota lapas atzīme",
    "is not a page marker this page gave"
);
