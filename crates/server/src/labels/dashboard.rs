//! The dashboard (`/admin/`) and the reports (`/admin/reports`).

use crate::text;

text!(TITLE, "Pārskats", "Dashboard");
text!(RANGE_LEGEND, "Dienas (Rīgas laiks)", "Days (Riga time)");
text!(FROM, "No", "From");
text!(TO, "Līdz", "To");
text!(SHOW, "Rādīt", "Show");
text!(
    BAD_RANGE,
    "Šīs dienas nevar parādīt.",
    "These days cannot be shown."
);
text!(
    RANGE_HINT,
    "Ne vairāk kā 366 dienas; bez norādes — pēdējās 30 dienas.",
    "At most 366 days; by default the last 30 days."
);

// Queues.
text!(QUEUES, "Jāizskata cilvēkam", "Needs a person");
text!(
    QUEUE_UNRESOLVED,
    "Maksājumi ar nezināmu iznākumu (statusa atjaunošana padevās)",
    "Payments with an unknown outcome (status recovery gave up)"
);
text!(
    QUEUE_REFUNDS,
    "Atmaksas kandidāti izrakstā bez atmaksas uzdevuma",
    "Refund candidates on statements with no refund order"
);
text!(
    QUEUE_CARD_REFUNDS,
    "Karšu maksājumi, kas jāatgriež",
    "Card payments to give back"
);
text!(
    QUEUE_DEAD,
    "Paziņojumi, kurus vairs nemēģina piegādāt",
    "Notifications no longer retried"
);

// Requests paid.
text!(
    SHARE,
    "Apmaksāto pieprasījumu daļa",
    "Share of requests paid"
);
text!(
    SHARE_SUMMARY,
    "Apmaksāti no šajās dienās izveidotajiem pieprasījumiem:",
    "Paid, of the requests created in these days:"
);
text!(CREATED, "Izveidoti", "Created");
text!(PAID, "Apmaksāti", "Paid");
text!(DAY, "Diena", "Day");
text!(
    SHARE_CHART_DESC,
    "Līnijas pa dienām: izveidotie pieprasījumi (nepārtraukta līnija) un tie no tiem, kas apmaksāti (raustīta līnija). Tie paši skaitļi ir tabulā aiz attēla.",
    "Lines per day: requests created (solid line) and those of them paid (dashed line). The same numbers are in the table after the chart."
);
text!(
    SHARE_TABLE,
    "Izveidotie un apmaksātie pieprasījumi pa dienām (attēla skaitļi)",
    "Requests created and paid per day (the chart's numbers)"
);

// Money.
text!(
    BY_PROVIDER,
    "Apmaksātie maksājumi pa dienām un maksājumu pakalpojumu sniedzējiem",
    "Payments paid per day by provider"
);
text!(
    BY_SERVICE,
    "Apmaksātie pieprasījumi pa dienām un e-pakalpojumiem",
    "Requests paid per day by service"
);
text!(
    MONEY_CHART_DESC,
    "Stabiņi pa dienām: katra sniedzēja vai pakalpojuma nauda uzkrauta citai virs citas, katra ar savu rakstu (leģenda zem attēla). Tie paši skaitļi ir tabulā aiz attēla.",
    "Bars per day: each provider's or service's money stacked on the others, each with its own pattern (legend below the chart). The same numbers are in the table after the chart."
);
text!(
    MONEY_TABLE,
    "Nauda pa dienām (attēla skaitļi)",
    "Money per day (the chart's numbers)"
);
text!(TOTAL, "Kopā", "Total");
text!(
    TOTALS_TABLE,
    "Kopā šajās dienās: skaits un nauda",
    "Totals of these days: count and money"
);
text!(NAME, "Nosaukums", "Name");
text!(COUNT, "Skaits", "Count");
text!(MONEY, "Nauda", "Money");
text!(CURRENCY, "Valūta", "Currency");
text!(
    NOTHING_PAID,
    "Šajās dienās nekas nav apmaksāts.",
    "Nothing was paid in these days."
);

// Providers.
text!(
    PROVIDERS,
    "Maksājumu pakalpojumu sniedzēji",
    "Payment providers"
);
text!(PROVIDER, "Sniedzējs", "Provider");
text!(STARTED, "Sākti", "Started");
text!(EXECUTED, "Izpildīti", "Executed");
text!(REJECTED, "Noraidīti", "Rejected");
text!(OPEN, "Nepabeigti", "Open");
text!(SUCCESS, "Sekmīgi", "Success rate");
text!(
    MEDIAN,
    "Mediāna līdz apstiprinājumam",
    "Median to confirmation"
);
text!(
    P90,
    "90. procentile līdz apstiprinājumam",
    "90th percentile to confirmation"
);
text!(
    PROVIDERS_CHART_DESC,
    "Stabiņi: katra sniedzēja izpildīto mēģinājumu daļa no sāktajiem. Tie paši skaitļi ir tabulā aiz attēla.",
    "Bars: each provider's executed attempts as a share of those started. The same numbers are in the table after the chart."
);
text!(
    PROVIDERS_TABLE,
    "Šajās dienās sāktie mēģinājumi pa sniedzējiem; laiks no sākuma līdz apstiprinājumam (h:mm:ss)",
    "Attempts started in these days per provider; time from start to confirmation (h:mm:ss)"
);
text!(
    NO_ATTEMPTS,
    "Šajās dienās neviens maksājums nav sākts.",
    "No payment was started in these days."
);

// Notifications.
text!(NOTIFICATIONS, "Paziņojumu piegāde", "Notification delivery");
text!(
    NOTIFICATIONS_TABLE,
    "Šajās dienās izveidotie paziņojumi pēc stāvokļa",
    "Notifications created in these days by state"
);
text!(DELIVERED, "Piegādāti", "Delivered");
text!(WAITING, "Gaida pirmo mēģinājumu", "Waiting for a first try");
text!(RETRYING, "Mēģina vēlreiz", "Retrying");
text!(DEAD, "Nepiegādājami", "Dead");
text!(OLDEST_PENDING, "Vecākais negaidītais", "Oldest pending");
text!(NONE_PENDING, "nav", "none");

// Reports.
text!(REPORTS_TITLE, "Atskaites", "Reports");
text!(
    REPORTS_INTRO,
    "Apmaksātie maksājumi pa e-pakalpojumiem, saņēmējiem un periodiem (tie paši maksājumi, ko Valsts kases atskaite gaida).",
    "Paid payments per service, payee and period (the same payments the Treasury report expects)."
);
text!(PERIOD, "Periods", "Period");
text!(PERIOD_DAY, "diena", "day");
text!(PERIOD_MONTH, "mēnesis", "month");
text!(SERVICE, "E-pakalpojums", "Service");
text!(PAYEE, "Saņēmējs", "Payee");
text!(PAYEE_ACCOUNT, "Saņēmēja konts", "Payee account");
text!(PAYMENTS, "Maksājumi", "Payments");
text!(AMOUNT, "Summa", "Amount");
text!(
    REPORT_TABLE,
    "Apmaksātie maksājumi pa periodiem, pakalpojumiem un saņēmējiem",
    "Paid payments per period, service and payee"
);
text!(DOWNLOAD_CSV, "Lejupielādēt CSV", "Download CSV");
text!(DOWNLOAD_XLSX, "Lejupielādēt XLSX", "Download XLSX");
text!(
    REPORT_CUT,
    "Atskaite ir saīsināta: izvēlieties mazāk dienu.",
    "The report is cut short: choose fewer days."
);
text!(
    NOTHING_REPORTED,
    "Šajās dienās nav apmaksātu maksājumu.",
    "No payment was paid in these days."
);
