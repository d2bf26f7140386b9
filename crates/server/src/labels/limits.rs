//! Rate limits: the console's page (`/admin/limits`) and the page a payer
//! over the limit sees.

use crate::text;

text!(TITLE, "Pieprasījumu limiti", "Rate limits");
text!(
    INTRO,
    "Cik pieprasījumu katrs klients drīkst sūtīt katrai metodei un katra adrese maksātāja lapām; pāri limitam atbilde ir 429 ar Retry-After un MM-Error: RATE_LIMITED.",
    "How many calls each client may make to each method, and each address to the payer's pages; over the limit the answer is 429 with Retry-After and MM-Error: RATE_LIMITED."
);
text!(CONFIGURED, "Iestatītie limiti", "Configured limits");
text!(LIMIT, "Limits", "Limit");
text!(APPLIES_TO, "Attiecas uz", "Applies to");
text!(RATE, "Ātrums", "Rate");
text!(BURST, "Uzreiz", "Burst");
text!(
    CREATE,
    "Klients un metode: izveidošana, rēķins, atcelšana",
    "Client and method: create, invoice, cancel"
);
text!(
    QUERY,
    "Klients un metode: statusi, saraksti, dokumenti",
    "Client and method: statuses, lists, documents"
);
text!(
    PAGES,
    "Adrese: maksātāja lapas un atgriešanās no bankām",
    "Address: the payer's pages and returns from banks"
);
text!(
    SIGN_IN,
    "Adrese: konsoles pieteikšanās",
    "Address: console sign-in"
);
text!(
    OFF,
    "Limiti šajā mezglā nav ieslēgti.",
    "Rate limits are off on this node."
);
text!(REFUSALS, "Nesenie atteikumi", "Recent refusals");
text!(
    REFUSALS_NOTE,
    "Šī mezgla atteikumi kopš palaišanas, jaunākie vispirms (ne vairāk kā 200 rindas).",
    "This node's refusals since it started, latest first (at most 200 rows)."
);
text!(NO_REFUSALS, "Atteikumu nav.", "No refusals.");
text!(DOOR, "Ieeja", "Door");
text!(WHO, "Klients vai adrese", "Client or address");
text!(METHOD, "Metode", "Method");
text!(COUNT, "Skaits", "Count");
text!(LAST, "Pēdējais (UTC)", "Last (UTC)");
text!(TRACKED, "Izsekoto atslēgu robeža", "Most keys tracked");
text!(PAGE_TITLE, "Pārāk daudz pieprasījumu", "Too many requests");
text!(
    PAGE_TEXT,
    "Lūdzu, mēģiniet vēlreiz pēc",
    "Please try again in"
);
