//! The console's frame: navigation, roles, the common refusals.

use crate::text;

text!(
    BRAND,
    "maksa — operatora konsole",
    "maksa — operator console"
);
text!(NAV_LABEL, "Konsole", "Console");
text!(SKIP_TO_CONTENT, "Pāriet uz saturu", "Skip to content");
text!(NAV_DASHBOARD, "Pārskats", "Dashboard");
text!(NAV_REQUESTS, "Maksājumu pieprasījumi", "Payment requests");
text!(NAV_QUEUES, "Rindas", "Queues");
text!(NAV_CATALOGUE, "Katalogs", "Catalogue");
text!(NAV_CERTIFICATES, "Sertifikāti", "Certificates");
text!(NAV_RECONCILIATION, "Saskaņošana", "Reconciliation");
text!(NAV_STATEMENTS, "Izraksti", "Statements");
text!(NAV_ENTRIES, "Izraksta ieraksti", "Statement entries");
text!(NAV_ORDERS, "Maksājuma uzdevumi", "Payment orders");
text!(NAV_BATCHES, "Paketes", "Batches");
text!(NAV_CARDS, "Karšu maksājumi", "Card payments");
text!(NAV_REPORTS, "Atskaites", "Reports");
text!(NAV_PRIVACY, "Personas dati", "Personal data");
text!(NAV_LIMITS, "Pieprasījumu limiti", "Rate limits");
text!(NAV_ACCOUNTS, "Operatori", "Operators");
text!(NAV_ACTIVITY, "Darbību žurnāls", "Activity log");
text!(SIGN_OUT, "Iziet", "Sign out");
text!(SWITCH_LANGUAGE, "English", "Latviski");
text!(ROLE_VIEWER, "skatītājs", "viewer");
text!(ROLE_OPERATOR, "operators", "operator");
text!(ROLE_ADMINISTRATOR, "administrators", "administrator");
text!(FORBIDDEN_TITLE, "Nav atļauts", "Not allowed");
text!(
    FORBIDDEN,
    "Jūsu lomai šī darbība nav atļauta.",
    "Your role does not allow this action."
);
text!(NOT_FOUND_TITLE, "Nav atrasts", "Not found");
text!(UNAVAILABLE_TITLE, "Nav pieejams", "Unavailable");
text!(
    UNAVAILABLE,
    "Centrs šobrīd nevar atbildēt. Mēģiniet vēlreiz pēc brīža.",
    "The hub could not answer right now. Try again shortly."
);
text!(STALE_FORM_TITLE, "Forma novecojusi", "Form expired");
text!(
    STALE_FORM,
    "Šī forma nav izsniegta jūsu sesijai (vai tās derīgums beidzies). Atveriet lapu vēlreiz un atkārtojiet darbību.",
    "This form was not issued to your session (or it has expired). Open the page again and repeat the action."
);
text!(FORM_TOO_LARGE_TITLE, "Forma par lielu", "Form too large");
text!(
    FORM_TOO_LARGE,
    "Forma ir lielāka, nekā centrs pieņem.",
    "The form is larger than the hub accepts."
);
text!(NO_SUCH_LANGUAGE, "Tādas valodas nav.", "No such language.");
