//! The console's catalogue and certificate registry (docs/console-catalogue.md).

use crate::text;

text!(CATALOGUE_TITLE, "Katalogs", "Catalogue");
text!(
    CATALOGUE_INTRO,
    "Pakalpojumi, to soļi un cenrādis, maksātāju saņēmēji un klientu līgumi. Katra izmaiņa veido jaunu kataloga versiju; iepriekšējās versijas paliek.",
    "Services, their steps and price list, payees and the clients' contracts. Every change makes a new catalogue version; earlier versions are kept."
);
text!(
    NO_CATALOGUE,
    "Katalogs vēl nav ielādēts.",
    "No catalogue has been imported yet."
);
text!(EXPORT_TOML, "Lejupielādēt TOML", "Download as TOML");
text!(EDIT_AS_TOML, "Labot kā TOML", "Edit as TOML");
text!(
    PROVIDERS,
    "Maksājumu pakalpojumu sniedzēji",
    "Payment providers"
);
text!(
    SERVICE_PROVIDERS,
    "Pakalpojumu sniedzēji",
    "Service providers"
);
text!(SERVICES, "Pakalpojumi", "Services");
text!(STEPS, "Pakalpojuma soļi", "Service steps");
text!(POSITIONS, "Cenrāža pozīcijas", "Price-list positions");
text!(PAYEES, "Maksājumu saņēmēji", "Payees");
text!(CONTRACTS, "Klientu līgumi", "Client contracts");
text!(COL_CODE, "Kods", "Code");
text!(COL_NAME, "Nosaukums", "Name");
text!(COL_KIND, "Veids", "Kind");
text!(COL_PURPOSE_LIMIT, "Mērķa garums", "Purpose length");
text!(
    COL_REPORTED_CODE,
    "Atbildēs norādītais kods",
    "Code in answers"
);
text!(
    COL_REGISTRATION,
    "Reģistrācijas numurs",
    "Registration number"
);
text!(COL_ADDRESS, "Adrese", "Address");
text!(
    COL_SERVICE_PROVIDER,
    "Pakalpojumu sniedzējs",
    "Service provider"
);
text!(COL_SERVICE, "Pakalpojums", "Service");
text!(COL_PURPOSE, "Maksājuma mērķis", "Payment purpose");
text!(
    COL_PURPOSE_CHANGEABLE,
    "Mērķi var mainīt",
    "Purpose changeable"
);
text!(COL_STEP, "Solis", "Step");
text!(COL_PRICE_TODAY, "Cena šodien", "Price today");
text!(
    COL_SCHEDULED,
    "Plānotās cenu izmaiņas",
    "Scheduled price changes"
);
text!(COL_AMOUNT_ALLOWED, "Var norādīt summu", "Amount allowed");
text!(COL_PAYEE, "Saņēmējs", "Payee");
text!(COL_IBAN, "IBAN", "IBAN");
text!(COL_BIC, "BIC", "BIC");
text!(COL_CLIENT, "Klients", "Client");
text!(COL_SERVICES, "Pakalpojumi", "Services");
text!(COL_PROVIDERS, "Maksājumu sniedzēji", "Providers");
text!(COL_ORIGINS, "Atļautās izcelsmes", "Origins");
text!(
    COL_STRICT_CODE,
    "Stingra personas koda pārbaude",
    "Strict payer code"
);
text!(
    COL_NOTIFY_CANCELLED,
    "Ziņo par atcelšanu",
    "Notify cancellations"
);
text!(COL_DIRECT_TO_BANK, "Tieši uz banku", "Straight to the bank");
text!(COL_WIRE_PROFILE, "Kļūdu profils", "Wire profile");
text!(YES, "jā", "yes");
text!(NO, "nē", "no");
text!(NONE, "nav", "none");
text!(FROM_DAY, "no", "from");
text!(
    SCHEDULE_TITLE,
    "Plānot cenas izmaiņu",
    "Schedule a price change"
);
text!(
    SCHEDULE_HINT,
    "Jaunā cena stājas spēkā norādītajā dienā (Rīgas laikā) un attiecas uz pieprasījumiem, kas izveidoti no šīs dienas; jau izveidotie pieprasījumi saglabā savu cenu.",
    "The new price takes effect on the given day (Riga time) for requests created from that day on; requests already created keep their price."
);
text!(FIELD_POSITION, "Pozīcija", "Position");
text!(FIELD_FROM, "Spēkā no", "In force from");
text!(FIELD_UNIT_PRICE, "Vienības cena", "Unit price");
text!(SCHEDULE_SUBMIT, "Plānot izmaiņu", "Schedule the change");
text!(EDIT_CONTRACT, "Labot līgumu", "Edit the contract");
text!(
    FIELD_SERVICES,
    "Pakalpojumi (kodi, atdalīti ar komatu; * — visi)",
    "Services (codes separated by commas; * for all)"
);
text!(
    FIELD_PROVIDERS,
    "Maksājumu sniedzēji (kodi, atdalīti ar komatu)",
    "Providers (codes separated by commas)"
);
text!(
    FIELD_ORIGINS,
    "Izcelsmes (pa vienai rindā, piemēram https://example.lv)",
    "Origins (one a line, like https://example.lv)"
);
text!(SAVE_CONTRACT, "Saglabāt līgumu", "Save the contract");
text!(
    NOTICE_SCHEDULED,
    "Cenas izmaiņa ieplānota; izveidota jauna kataloga versija.",
    "The price change is scheduled; a new catalogue version was made."
);
text!(
    NOTICE_CONTRACT,
    "Līgums saglabāts; izveidota jauna kataloga versija.",
    "The contract is saved; a new catalogue version was made."
);
text!(
    NOTICE_IMPORTED,
    "Katalogs saglabāts kā jauna versija.",
    "The catalogue is saved as a new version."
);
text!(REFUSED_TITLE, "Atteikts", "Refused");
text!(
    REFUSED_NOTHING_CHANGED,
    "Nekas netika mainīts.",
    "Nothing was changed."
);
text!(
    BAD_DAY,
    "Norādiet dienu kā 2027-01-01.",
    "Give a day like 2027-01-01."
);
text!(
    BAD_PRICE,
    "Norādiet cenu kā 2.50 (ne vairāk kā divas zīmes aiz komata).",
    "Give a price like 2.50 (at most two decimal places)."
);
text!(
    TOO_MANY_ITEMS,
    "Līgumā var norādīt ne vairāk kā 100 pakalpojumu, sniedzēju vai izcelsmju.",
    "A contract names at most 100 services, providers or origins."
);
text!(
    BAD_WIRE_PROFILE,
    "Kļūdu profils ir original vai precise.",
    "The wire profile is original or precise."
);
text!(
    NO_SUCH_POSITION,
    "Šādas pozīcijas nav.",
    "There is no such position."
);
text!(
    NO_SUCH_CONTRACT,
    "Šāda līguma nav.",
    "There is no such contract."
);
text!(
    EDIT_TITLE,
    "Kataloga labošana TOML formā",
    "Edit the catalogue as TOML"
);
text!(
    EDIT_HINT,
    "Pašreizējais katalogs TOML formā (docs/catalog.md). Saglabājot tas tiek pārbaudīts; ja ir kļūdas, nekas netiek mainīts un kļūdas ir norādītas ar rindas numuru.",
    "The current catalogue as TOML (docs/catalog.md). Saving checks it; with errors nothing changes and each error names its line."
);
text!(FIELD_TOML, "Katalogs (TOML)", "Catalogue (TOML)");
text!(
    SAVE_VERSION,
    "Saglabāt kā jaunu versiju",
    "Save as a new version"
);
text!(
    ERRORS_TITLE,
    "Katalogā ir kļūdas",
    "The catalogue has errors"
);
text!(LINE, "rinda", "line");
text!(
    BACK_TO_CATALOGUE,
    "Atpakaļ uz katalogu",
    "Back to the catalogue"
);

text!(
    CERTIFICATES_TITLE,
    "Sertifikātu reģistrs",
    "Certificate registry"
);
text!(
    CERTIFICATES_INTRO,
    "Klientu sertifikāti, ar kuriem e-pakalpojumi izsauc centru, to lomas un atļautie pakalpojumi, un paziņojumu parakstīšanas noslēpumi.",
    "The client certificates e-services call the hub with, their roles and allowed services, and the notification signing secrets."
);
text!(
    NO_CERTIFICATES,
    "Neviens sertifikāts nav reģistrēts.",
    "No certificate is registered."
);
text!(
    COL_THUMBPRINT,
    "Nospiedums (SHA-256)",
    "Thumbprint (SHA-256)"
);
text!(COL_SUBJECT, "Subjekts", "Subject");
text!(COL_ROLES, "Lomas", "Roles");
text!(
    COL_ALLOWED_SERVICES,
    "Atļautie pakalpojumi",
    "Allowed services"
);
text!(COL_VALID_UNTIL, "Derīgs līdz", "Valid until");
text!(COL_REVOKED, "Atsaukts", "Revoked");
text!(COL_ACTIONS, "Darbības", "Actions");
text!(COL_SECRETS, "Aktīvie noslēpumi", "Active secrets");
text!(ALL_OF_CONTRACT, "viss līgums", "the whole contract");
text!(DETAILS, "Sīkāk", "Details");
text!(
    SECRETS_TITLE,
    "Paziņojumu noslēpumi",
    "Notification secrets"
);
text!(
    SECRETS_HINT,
    "Noslēpums tiek parādīts tikai vienreiz, kad tas izveidots. Pēc jauna izveidošanas vecais paraksta vēl, līdz to atsauc, lai e-pakalpojums var pāriet bez pārtraukuma.",
    "A secret is shown only once, when it is made. After a rotation the old one keeps signing until it is retired, so the e-service can switch without a gap."
);
text!(
    ROTATE_SECRET,
    "Izveidot jaunu noslēpumu",
    "Make a new secret"
);
text!(
    UPLOAD_TITLE,
    "Reģistrēt sertifikātu",
    "Register a certificate"
);
text!(
    FIELD_CLIENT,
    "Klients (1–64 no a–z, 0–9, '.', '_', '-')",
    "Client (1–64 of a–z, 0–9, '.', '_', '-')"
);
text!(
    FIELD_CERTIFICATE,
    "Sertifikāts (PEM vai base64 DER)",
    "Certificate (PEM or base64 DER)"
);
text!(
    FIELD_ROLES,
    "Lomas (atdalītas ar komatu, piemēram MM_INVOICE_SERVICE)",
    "Roles (separated by commas, like MM_INVOICE_SERVICE)"
);
text!(
    FIELD_ALLOWED_SERVICES,
    "Atļautie pakalpojumi (atdalīti ar komatu; tukšs — viss līgums)",
    "Allowed services (separated by commas; empty for the whole contract)"
);
text!(REGISTER, "Reģistrēt", "Register");
text!(
    SAVE_ACCESS,
    "Saglabāt lomas un pakalpojumus",
    "Save roles and services"
);
text!(
    ACCESS_TITLE,
    "Lomas un atļautie pakalpojumi",
    "Roles and allowed services"
);
text!(REVOKE, "Atsaukt…", "Revoke…");
text!(
    REVOKE_TITLE,
    "Atsaukt sertifikātu",
    "Revoke the certificate"
);
text!(
    REVOKE_CONFIRM,
    "Atsaukts sertifikāts vairs netiek pieņemts nevienā centra saskarnē. To nevar atcelt.",
    "A revoked certificate is no longer accepted at any of the hub's doors. This cannot be undone."
);
text!(REVOKE_SUBMIT, "Jā, atsaukt", "Yes, revoke");
text!(CANCEL, "Atcelt", "Cancel");
text!(
    NOTICE_REVOKED,
    "Sertifikāts atsaukts.",
    "The certificate is revoked."
);
text!(
    NOTICE_ACCESS,
    "Lomas un atļautie pakalpojumi saglabāti.",
    "The roles and allowed services are saved."
);
text!(
    REGISTERED_TITLE,
    "Sertifikāts reģistrēts",
    "Certificate registered"
);
text!(
    NEW_SECRET_TITLE,
    "Jauns paziņojumu noslēpums",
    "New notification secret"
);
text!(
    NEW_SECRET_ONCE,
    "Nododiet šo noslēpumu e-pakalpojumam (MM-Signature). Tas tiek parādīts tikai šoreiz.",
    "Give this secret to the e-service (MM-Signature). It is shown this once only."
);
text!(
    HAD_SECRET,
    "Klientam jau ir paziņojumu noslēpums.",
    "The client already has a notification secret."
);
text!(
    BAD_CLIENT,
    "Klienta nosaukums ir 1–64 no a–z, 0–9, '.', '_', '-'.",
    "A client name is 1–64 of a–z, 0–9, '.', '_', '-'."
);
text!(
    BAD_CERTIFICATE,
    "Sertifikātu nevar nolasīt",
    "The certificate cannot be read"
);
text!(
    NO_SUCH_CERTIFICATE,
    "Šāda sertifikāta nav.",
    "There is no such certificate."
);
text!(
    BACK_TO_CERTIFICATES,
    "Atpakaļ uz sertifikātiem",
    "Back to the certificates"
);

// The forms of one entry (service provider, service, step, position, payee).
text!(CHANGE, "Mainīt", "Change");
text!(
    ADD_SERVICE_PROVIDER,
    "Pievienot pakalpojumu sniedzēju",
    "Add a service provider"
);
text!(
    CHANGE_SERVICE_PROVIDER,
    "Mainīt pakalpojumu sniedzēju",
    "Change a service provider"
);
text!(ADD_SERVICE, "Pievienot pakalpojumu", "Add a service");
text!(CHANGE_SERVICE, "Mainīt pakalpojumu", "Change a service");
text!(ADD_STEP, "Pievienot pakalpojuma soli", "Add a service step");
text!(
    CHANGE_STEP,
    "Mainīt pakalpojuma soli",
    "Change a service step"
);
text!(
    ADD_POSITION,
    "Pievienot cenrāža pozīciju",
    "Add a price-list position"
);
text!(
    CHANGE_POSITION,
    "Mainīt cenrāža pozīciju",
    "Change a price-list position"
);
text!(CHANGE_PAYEE, "Mainīt maksājumu saņēmēju", "Change a payee");
text!(
    ENTRY_HINT,
    "Izmaiņa tiek pārbaudīta kopā ar visu katalogu un saglabāta kā jauna versija; ja katalogs nebūtu derīgs, nekas netiek mainīts.",
    "The change is checked with the whole catalogue and saved as a new version; if the catalogue would not be valid, nothing is changed."
);
text!(
    PAYEE_HINT,
    "Jaunie dati attiecas uz visām pozīcijām, kuru maksājumi nonāk šajā kontā.",
    "The new details apply to every position paid into this account."
);
text!(
    PRICE_EUR,
    "Vienības cena, EUR (piemēram, 2.50)",
    "Unit price, EUR (for example 2.50)"
);
text!(
    PRICE_FROM_START_HINT,
    "Cena no sākuma; cenas maiņu no kādas dienas ieplāno kataloga lapā.",
    "The price from the start; a change from a day on is scheduled on the catalogue page."
);
text!(
    NEW_PAYEE,
    "jauns saņēmējs (norādiet zemāk)",
    "a new payee (give it below)"
);
text!(
    NEW_PAYEE_LEGEND,
    "Jauns saņēmējs (tikai, ja izvēlēts „jauns saņēmējs”)",
    "New payee (only when “a new payee” is chosen)"
);
text!(ERR_REQUIRED, "Jānorāda.", "Required.");
text!(ERR_TOO_LONG, "Pārāk garš.", "Too long.");
text!(
    ERR_IBAN,
    "Tas nav derīgs IBAN (pārbaudiet garumu un kontrolciparus).",
    "This is not a valid IBAN (check its length and check digits)."
);
text!(
    ERR_BIC,
    "BIC ir 4–11 latīņu burti vai cipari.",
    "A BIC is 4–11 Latin letters or digits."
);
text!(
    ERR_CHOICE,
    "Izvēlieties no saraksta.",
    "Choose from the list."
);
text!(
    ENTRY_REFUSED,
    "Izmaiņa netika saglabāta, nekas nav mainīts",
    "The change was not saved; nothing was changed"
);
text!(
    NO_SUCH_ENTRY,
    "Šāda ieraksta katalogā nav.",
    "The catalogue has no such entry."
);
text!(
    NOTICE_ENTRY,
    "Izmaiņa saglabāta kā jauna kataloga versija.",
    "The change is saved as a new catalogue version."
);

// The certificate file and the retirement of old notification secrets.
text!(
    FIELD_CERTIFICATE_FILE,
    "Sertifikāta fails (PEM vai DER, līdz 32 KiB)",
    "Certificate file (PEM or DER, up to 32 KiB)"
);
text!(
    CERTIFICATE_EITHER,
    "Norādiet failu vai ielīmējiet PEM tekstu.",
    "Choose a file or paste the PEM text."
);
text!(
    NO_CERTIFICATE_GIVEN,
    "Nav ne faila, ne ielīmēta sertifikāta.",
    "Neither a file nor a pasted certificate was given."
);
text!(
    BAD_UPLOAD,
    "Formu nevarēja nolasīt (vai fails ir par lielu).",
    "The form could not be read (or the file is too large)."
);
text!(COL_NEWEST_SECRET, "Jaunākais izveidots", "Newest made");
text!(
    RETIRE_SECRETS,
    "Atsaukt vecākos paziņojumu noslēpumus…",
    "Retire the older notification secrets…"
);
text!(
    RETIRE_TITLE,
    "Atsaukt vecākos paziņojumu noslēpumus",
    "Retire the older notification secrets"
);
text!(
    RETIRE_CONFIRM,
    "Visi šī klienta aktīvie noslēpumi, izņemot jaunāko, vairs neparakstīs paziņojumus. Vispirms pārliecinieties, ka e-pakalpojums pārbauda parakstus ar jaunāko.",
    "Every active secret of this client except the newest stops signing notifications. First make sure the e-service checks signatures with the newest."
);
text!(
    RETIRE_SUBMIT,
    "Jā, atsaukt vecākos",
    "Yes, retire the older ones"
);
text!(
    NOTHING_TO_RETIRE,
    "Klientam ir tikai viens aktīvs noslēpums: nav ko atsaukt.",
    "The client has only one active secret: there is nothing to retire."
);
text!(
    NOTICE_RETIRED,
    "Vecākie noslēpumi atsaukti; paraksta tikai jaunākais.",
    "The older secrets are retired; only the newest signs."
);
