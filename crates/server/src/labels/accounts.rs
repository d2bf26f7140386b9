//! Sign-in, the second factor's enrolment, the operators' accounts and the
//! activity log (docs/operator.md).

use crate::text;

// Sign-in and enrolment.
text!(SIGN_IN_TITLE, "Operatora pieslēgšanās", "Operator sign-in");
text!(NAME, "Vārds", "Name");
text!(PASSWORD, "Parole", "Password");
text!(CODE, "Vienreizējais kods", "One-time code");
text!(
    CODE_HINT,
    "Seši cipari no autentifikatora lietotnes. Ja otrais faktors vēl nav iestatīts, atstājiet tukšu.",
    "Six digits from your authenticator app. Leave empty if your second factor is not set up yet."
);
text!(SIGN_IN, "Pieslēgties", "Sign in");
text!(
    SIGN_IN_REFUSED,
    "Nepareizs vārds, parole vai kods.",
    "Wrong name, password or code."
);
text!(
    SIGN_IN_THROTTLED,
    "Pārāk daudz neveiksmīgu mēģinājumu. Pagaidiet 15 minūtes un mēģiniet vēlreiz.",
    "Too many failed sign-ins. Wait 15 minutes and try again."
);
text!(
    SIGN_IN_EXPIRED,
    "Pieslēgšanās forma bija novecojusi. Lūdzu, pieslēdzieties vēlreiz.",
    "The sign-in form had expired. Please sign in again."
);
text!(
    SIGN_IN_UNAVAILABLE,
    "Centrs šobrīd nevar nevienu pieslēgt. Mēģiniet vēlreiz pēc brīža.",
    "The hub cannot sign anyone in right now. Try again shortly."
);
text!(
    ENROL_TITLE,
    "Otrā faktora iestatīšana",
    "Set up the second factor"
);
text!(
    ENROL_INTRO,
    "Pirms konsoles lietošanas pievienojiet šo kontu autentifikatora lietotnei (TOTP) un ievadiet tās rādīto kodu.",
    "Before using the console, add this account to an authenticator app (TOTP) and enter the code it shows."
);
text!(SECRET, "Noslēpums (base32)", "Secret (base32)");
text!(URI, "Saite lietotnei", "Link for the app");
text!(
    QR_TITLE,
    "QR kods ar saiti lietotnei",
    "QR code with the link for the app"
);
text!(CONFIRM, "Apstiprināt", "Confirm");
text!(
    ENROL_WRONG,
    "Kods neatbilst. Pārbaudiet pulksteni un mēģiniet ar nākamo kodu.",
    "The code does not match. Check the clock and try the next code."
);

// Accounts.
text!(ACCOUNTS_TITLE, "Operatori", "Operators");
text!(ACCOUNTS_CAPTION, "Konti pēc vārda", "Accounts by name");
text!(ROLE, "Loma", "Role");
text!(STATE, "Stāvoklis", "State");
text!(SECOND_FACTOR, "Otrais faktors", "Second factor");
text!(CHANGED, "Mainīts", "Changed");
text!(ACTIONS, "Darbības", "Actions");
text!(ENABLED, "aktīvs", "enabled");
text!(DISABLED, "atslēgts", "disabled");
text!(ENROLLED, "iestatīts", "set up");
text!(NOT_ENROLLED, "nav iestatīts", "not set up");
text!(CHANGE_ROLE, "Mainīt lomu", "Change role");
text!(DISABLE, "Atslēgt", "Disable");
text!(ENABLE, "Ieslēgt", "Enable");
text!(RESET_PASSWORD, "Jauna parole", "Reset password");
text!(
    RESET_SECOND_FACTOR,
    "Atiestatīt otro faktoru",
    "Reset second factor"
);
text!(CREATE_TITLE, "Jauns konts", "New account");
text!(CREATE, "Izveidot", "Create");
text!(CREDENTIALS_TITLE, "Pieslēgšanās dati", "Sign-in details");
text!(
    CREDENTIALS_ONCE,
    "Nododiet tos operatoram drošā veidā: tie netiek rādīti vēlreiz.",
    "Hand these to the operator safely: they are not shown again."
);
text!(NOTICE_DONE, "Izmaiņas saglabātas.", "The change was saved.");
text!(
    REFUSED_BAD_NAME,
    "Vārds ir tukšs, pārāk garš vai satur vadības rakstzīmes.",
    "The name is empty, too long or has control characters."
);
text!(
    REFUSED_EXISTS,
    "Konts ar šo vārdu jau ir.",
    "An account of that name exists."
);
text!(
    REFUSED_NO_ACCOUNT,
    "Šāda konta nav.",
    "There is no such account."
);
text!(
    REFUSED_YOURSELF,
    "Savu kontu nevar atslēgt, un savu lomu nevar mainīt.",
    "You cannot disable your own account or change your own role."
);
text!(
    REFUSED_LAST_ADMINISTRATOR,
    "Vismaz vienam aktīvam administratoram jāpaliek.",
    "At least one enabled administrator must remain."
);
text!(REFUSED_TITLE, "Atteikts", "Refused");

// Activity.
text!(ACTIVITY_TITLE, "Darbību žurnāls", "Activity log");
text!(
    ACTIVITY_CAPTION,
    "Operatoru darbības, jaunākās vispirms",
    "Operators' actions, newest first"
);
text!(WHEN, "Laiks", "When");
text!(WHO, "Operators", "Operator");
text!(KIND, "Darbība", "Action");
text!(BEFORE, "Pirms", "Before");
text!(AFTER, "Pēc", "After");
text!(DETAIL, "Sīkāk", "Detail");
text!(FILTER, "Atlasīt", "Filter");
text!(ANY, "jebkurš", "any");
text!(NEXT_PAGE, "Vecākas darbības", "Older actions");
text!(NOTHING, "Nekas nav atrasts.", "Nothing found.");
text!(
    QR_CODE,
    "QR kods ar saiti autentifikatora lietotnei (tā pati saite un noslēpums ir norādīti blakus tekstā)",
    "QR code of the link for an authenticator app (the same link and secret are given beside it as text)"
);
