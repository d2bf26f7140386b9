//! The console's Treasury pages: the reconciliation report (saskaņošana),
//! the statement entries (izraksta ieraksti) and the payment orders
//! (maksājuma uzdevumi).

use crate::text;

// ── The report ───────────────────────────────────────────────────────────────
text!(TITLE, "Saskaņošana", "Reconciliation");
text!(RANGE_TO, "līdz", "to");
text!(TOTALS, "Kopsummas", "Totals");
text!(
    TOTALS_CAPTION,
    "Izrakstu kredīta ieraksti pēc saskaņošanas iznākuma, katrā valūtā (skaits · summa)",
    "Statement credits by outcome, per currency (count · money)"
);
text!(CURRENCY, "Valūta", "Currency");
text!(
    GROUP_MATCHED,
    "Sasaistīti un nokārtoti",
    "Matched and settled"
);
text!(
    GROUP_DIFFERENCES,
    "Sasaistīti ar atšķirību",
    "Matched with a difference"
);
text!(GROUP_UNMATCHED, "Nesasaistīti kredīti", "Unmatched credits");
text!(GROUP_REFUNDS, "Atmaksas kandidāti", "Refund candidates");
text!(
    NO_ENTRIES_IN_DAYS,
    "Šajās dienās nav izrakstu ierakstu.",
    "No statement entries in these days."
);
text!(PER_DAY, "Pa dienām un kontiem", "Per day and account");
text!(
    PER_DAY_CAPTION,
    "Katras dienas izraksts: atlikumi, kā novērtēti tā kredīti, un gaidītā nauda (skaits · summa)",
    "Each day's statement: balances, what its credits were judged, and the money expected (count · money)"
);
text!(DAY, "Diena", "Day");
text!(ACCOUNT, "Konts", "Account");
text!(OPENING, "Sākuma atlikums", "Opening balance");
text!(CLOSING, "Beigu atlikums", "Closing balance");
text!(PENDING, "Negrāmatoti", "Pending");
text!(DEBITS, "Debeti", "Debits");
text!(CREDITS, "Kredīti", "Credits");
text!(BALANCED, "Sakrīt", "Balanced");
text!(EXPECTED, "Gaidīts", "Expected");
text!(RECEIVED, "Saņemts", "Received");
text!(
    NOTHING_IN_DAYS,
    "Šajās dienās nekā nav.",
    "Nothing in these days."
);
text!(
    BALANCED_YES,
    "Jā: sākuma atlikums + kredīti − debeti = beigu atlikums",
    "Yes: opening + credits − debits = closing"
);
text!(
    BALANCED_NO,
    "Nē: ieraksti nesaskaitās līdz beigu atlikumam",
    "No: the entries do not add up to the closing balance"
);
text!(
    BALANCED_UNKNOWN,
    "Vēl nav: nav dienas beigu izraksta",
    "Not yet: no end-of-day statement"
);
text!(
    CHART_TITLE,
    "Gaidītā un saņemtā nauda pa dienām",
    "Money expected and received per day"
);
text!(
    CHART_DESC,
    "Stabiņi pa dienām: saņemtā nauda (pilns) blakus gaidītajai (svītrots). Tie paši skaitļi ir tabulā aiz attēla.",
    "Bars per day: received money (solid) beside expected money (hatched). The same numbers are in the table that follows."
);
text!(
    CHART_CAPTION,
    "Gaidīts: maksājumi, kurus tajā dienā apstiprināja pakalpojuma sniedzējs. Saņemts: dienas grāmatotie kredīti izrakstos.",
    "Expected: payments a provider confirmed that day. Received: the day's booked credits on the statements."
);
text!(CHART_NUMBERS, "(attēla skaitļi)", "(the chart's numbers)");
text!(
    NOTHING_TO_DRAW,
    "Šajās dienās nav ko attēlot.",
    "Nothing to draw in these days."
);
text!(DIFFERENCE, "Saņemts − gaidīts", "Received − expected");
text!(
    UNSETTLED_BEFORE,
    "Samaksāti, bet nauda nav saņemta pēc",
    "Paid, no money after"
);
text!(UNSETTLED_AFTER, "darba dienām", "business days");
text!(
    UNSETTLED_CAPTION,
    "Maksājumi, kurus apstiprināja pakalpojuma sniedzējs, bet kuru naudu nerāda neviens izraksts",
    "Payments a provider confirmed whose money no statement shows"
);
text!(NONE, "Nav.", "None.");
text!(PURPOSE_ID, "Maksājuma identifikators", "Payment identifier");
text!(REQUEST, "Pieprasījums", "Request");
text!(AMOUNT, "Summa", "Amount");
text!(PAYEE_ACCOUNT, "Saņēmēja konts", "Payee account");
text!(PAID_AT, "Samaksāts", "Paid at");

// ── The statement entries ────────────────────────────────────────────────────
text!(ENTRIES_TITLE, "Izraksta ieraksti", "Statement entries");
text!(BOOKED_FROM, "Grāmatots no", "Booked from");
text!(BOOKED_TO, "Grāmatots līdz", "Booked to");
text!(OUTCOME, "Iznākums", "Outcome");
text!(ANY, "jebkurš", "any");
text!(SHOW, "Rādīt", "Show");
text!(
    DOWNLOAD_CSV,
    "Lejupielādēt šos ierakstus CSV formātā",
    "Download these entries as CSV"
);
text!(ENTRIES_REGION, "Ieraksti", "Entries");
text!(
    ENTRIES_CAPTION,
    "Ieraksti, vecākie vispirms",
    "Entries, oldest first"
);
text!(ENTRY, "Ieraksts", "Entry");
text!(BOOKED, "Grāmatots", "Booked");
text!(DIRECTION, "Virziens", "Direction");
text!(COUNTERPARTY, "Darījuma partneris", "Counterparty");
text!(NO_ENTRIES, "Nav ierakstu.", "No entries.");
text!(NEXT_BEFORE, "Nākamie", "Next");
text!(NEXT_AFTER, "ieraksti", "entries");
text!(CREDIT, "kredīts", "credit");
text!(DEBIT, "debets", "debit");
text!(
    OUTCOME_PENDING,
    "gaida (vēl nav grāmatots)",
    "pending (not booked yet)"
);
text!(
    OUTCOME_SETTLED,
    "sasaistīts un nokārtots",
    "matched and settled"
);
text!(OUTCOME_SHORT, "sasaistīts, par maz", "matched, short");
text!(OUTCOME_OVER, "sasaistīts, par daudz", "matched, over");
text!(
    OUTCOME_WRONG_ACCOUNT,
    "sasaistīts, nepareizs konts",
    "matched, wrong account"
);
text!(
    OUTCOME_WRONG_CURRENCY,
    "sasaistīts, nepareiza valūta",
    "matched, wrong currency"
);
text!(
    OUTCOME_UNMATCHED,
    "nesasaistīts kredīts",
    "unmatched credit"
);
text!(OUTCOME_REFUND, "atmaksas kandidāts", "refund candidate");
text!(OUTCOME_DEBIT, "debets", "debit");
text!(BAD_FILTER_TITLE, "Nepareizs filtrs", "Bad filter");
text!(
    NOT_A_DAY,
    "nav diena (GGGG-MM-DD)",
    "is not a day (YYYY-MM-DD)"
);
text!(NOT_AN_IBAN, "nav IBAN", "is not an IBAN");
text!(
    UNKNOWN_OUTCOME,
    "nav zināms iznākums",
    "is not a known outcome"
);
text!(NOT_A_NUMBER, "nav skaitlis", "is not a number");
text!(
    UNKNOWN_STATE,
    "nav zināms stāvoklis",
    "is not a known state"
);

// ── One entry ────────────────────────────────────────────────────────────────
text!(ENTRY_TITLE, "Izraksta ieraksts", "Statement entry");
text!(
    NO_SUCH_ENTRY,
    "Tāda izraksta ieraksta nav.",
    "There is no such statement entry."
);
text!(VALUE_DATE, "Valutēšanas datums", "Value date");
text!(STATUS, "Statuss", "Status");
text!(STATUS_BOOKED, "grāmatots", "booked");
text!(STATUS_PENDING, "gaida", "pending");
text!(
    SERVICER_REFERENCE,
    "Konta apkalpotāja atsauce",
    "Account servicer's reference"
);
text!(END_TO_END_ID, "End-to-end identifikators", "End-to-end id");
text!(
    REMITTANCE,
    "Maksājuma informācija",
    "Remittance information"
);
text!(
    PURPOSE_ID_FOUND,
    "Atrastais maksājuma identifikators",
    "Payment identifier found"
);
text!(
    COUNTERPARTY_ACCOUNT,
    "Darījuma partnera konts",
    "Counterparty's account"
);
text!(EXPECTED_AMOUNT, "Gaidītā summa", "Expected amount");
text!(STATEMENT, "Izraksts", "Statement");
text!(REVERSAL, "Stornējums", "Reversal");
text!(YES, "jā", "yes");
text!(NO, "nē", "no");
text!(PROPOSE_REFUND, "Ierosināt atmaksu", "Propose refund");
text!(MATCHED_PAYMENT, "Sasaistītais maksājums", "Matched payment");
text!(
    NO_PAYMENT,
    "Šis ieraksts nav sasaistīts ne ar vienu maksājumu.",
    "This entry was matched to no payment."
);
text!(
    PAYMENT_GONE,
    "Sasaistītais maksājuma pieprasījums vairs netiek glabāts.",
    "The matched payment request is no longer stored."
);
text!(REQUEST_ID, "Pieprasījuma identifikators", "Request id");
text!(REQUEST_NUMBER, "Pieprasījuma numurs", "Request number");
text!(REQUEST_STATUS, "Pieprasījuma statuss", "Request status");
text!(PAYMENT, "Maksājums", "Payment");
text!(PURPOSE, "Mērķis", "Purpose");
text!(PAYEE, "Saņēmējs", "Payee");
text!(PAYMENT_STATUS, "Maksājuma statuss", "Payment status");
text!(SETTLEMENT, "Nokārtošana", "Settlement");
text!(SETTLED_BY, "nokārtots ar ierakstu", "settled by entry");
text!(BOOKED_ON, "grāmatots", "booked");
text!(NOT_SETTLED, "nav nokārtots", "not settled");

// ── The payment orders ───────────────────────────────────────────────────────
text!(ORDERS_TITLE, "Maksājuma uzdevumi", "Payment orders");
text!(
    NOTICE_PROPOSED,
    "Atmaksa ierosināta. Nākamais solis: apstipriniet to zemāk.",
    "The refund was proposed. Another step: approve it below."
);
text!(
    NOTICE_APPROVED,
    "Uzdevums apstiprināts.",
    "The order was approved."
);
text!(
    NOTICE_CANCELLED,
    "Uzdevums atcelts.",
    "The order was cancelled."
);
text!(
    NOTICE_BATCHES,
    "Apstiprinātie uzdevumi ierakstīti paketēs.",
    "The approved orders were written into batches."
);
text!(
    NOTICE_NOTHING,
    "Neviens apstiprināts uzdevums negaidīja paketi.",
    "No approved order was waiting for a batch."
);
text!(STATE, "Stāvoklis", "State");
text!(WRITE_BATCH, "Sagatavot paketi", "Write batch");
text!(
    WRITE_BATCH_HINT,
    "no visiem apstiprinātajiem uzdevumiem (pain.001)",
    "of every approved order (pain.001)"
);
text!(ORDERS_REGION, "Uzdevumi", "Orders");
text!(
    ORDERS_CAPTION,
    "Maksājuma uzdevumi, jaunākie vispirms",
    "Payment orders, newest first"
);
text!(ORDER, "Uzdevums", "Order");
text!(KIND, "Veids", "Kind");
text!(CREDITOR, "Saņēmējs", "Creditor");
text!(PROPOSED_BY, "Ierosināja", "Proposed by");
text!(APPROVED_BY, "Apstiprināja", "Approved by");
text!(TREASURY_STATUS, "Valsts kases statuss", "Treasury's status");
text!(ACTIONS, "Darbības", "Actions");
text!(NO_ORDERS, "Nav uzdevumu.", "No orders.");
text!(OF_ENTRY, "no ieraksta", "of entry");
text!(APPROVE, "Apstiprināt", "Approve");
text!(APPROVE_ORDER, "Apstiprināt uzdevumu", "Approve order");
text!(CANCEL, "Atcelt", "Cancel");
text!(CANCEL_ORDER, "Atcelt uzdevumu", "Cancel order");
text!(BATCHES, "Paketes", "Batches");
text!(
    BATCHES_CAPTION,
    "pain.001 paketes pēc stāvokļa",
    "pain.001 batches by state"
);
text!(MESSAGE_ID, "Ziņojuma identifikators", "Message id");
text!(VERSION, "Versija", "Version");
text!(ORDERS_COUNT, "Uzdevumi", "Orders");
text!(CONTROL_SUM, "Kontrolsumma", "Control sum");
text!(CREATED, "Izveidota", "Created");
text!(NO_BATCHES, "Nav pakešu.", "No batches.");
text!(
    EXCHANGES,
    "Apmaiņa ar Valsts kasi",
    "Exchanges with the Treasury"
);
text!(
    EXCHANGES_CAPTION,
    "Jaunākā apmaiņa vispirms",
    "The newest exchanges first"
);
text!(AT, "Laiks", "At");
text!(OPERATION, "Darbība", "Operation");
text!(SUBJECT, "Priekšmets", "Subject");
text!(DETAIL, "Sīkāk", "Detail");
text!(NO_EXCHANGES, "Apmaiņas vēl nav bijis.", "No exchanges yet.");
text!(
    FOUR_EYES_TITLE,
    "Jāapstiprina citam operatoram",
    "Another operator must approve"
);
text!(
    FOUR_EYES_BEFORE,
    "Maksājuma uzdevumu",
    "You entered payment order"
);
text!(
    FOUR_EYES_AFTER,
    "ievadījāt jūs pats: tas jāapstiprina citam operatoram (četru acu princips).",
    "yourself: another operator has to approve it (four eyes)."
);
text!(
    NO_SUCH_ORDER,
    "Tāda maksājuma uzdevuma nav.",
    "There is no such payment order."
);

// ── Refusals of the Treasury service ─────────────────────────────────────────
text!(REFUSED_TITLE, "Atteikts", "Refused");

// ── A range of days the forms refuse ─────────────────────────────────────────
text!(RANGE_END, "beigas", "the end");
text!(RANGE_BEFORE_START, "ir pirms sākuma", "is before the start");
text!(
    RANGE_AT_MOST,
    "atskaite aptver ne vairāk kā",
    "a report covers at most"
);
text!(DAYS, "dienas", "days");
