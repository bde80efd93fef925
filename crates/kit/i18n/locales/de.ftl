# ECKWMS — Deutsch.

## Shell
nav-label = Hauptmenü
nav-dashboard = Übersicht
nav-scan = Scannen
search-label = Alles über seinen Code finden
search-placeholder = Code scannen oder eingeben
search-button = Suchen
signed-in-as = Angemeldet als
logout = Abmelden

## Errors
error-csrf = Dieses Formular ist abgelaufen. Bitte Seite neu laden und erneut versuchen.
error-forbidden = Nicht erlaubt
error-not-found = Nicht gefunden
error-conflict = Inzwischen geändert
error-invalid = Nicht angenommen
error-rate-limited = Zu viele Versuche
error-unavailable = Der Dienst ist ausgelastet. Bitte gleich noch einmal versuchen.
error-internal = Etwas ist schiefgelaufen
error-back-home = Zurück zur Übersicht
error-no-such-id = „{ $id }“ ist keine Kennung dieser Art.

## Login
login-title = Anmelden
login-username = Benutzername
login-password = Passwort
login-submit = Anmelden
login-expired = Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.
login-form-expired = Das Anmeldeformular war abgelaufen. Bitte erneut versuchen.
login-invalid = Benutzername oder Passwort falsch.
login-throttled = Zu viele fehlgeschlagene Anmeldungen. Bitte in { $seconds } Sekunden erneut versuchen.

## Notices
notice-saved = Gespeichert.
notice-moved = Umgelagert.
notice-stale = Jemand anderes hat dies inzwischen geändert; dies ist der aktuelle Stand.
notice-invalid = Nicht angenommen:

## Objects
section-location = Standort
location-nowhere = An keinem Lagerplatz.
section-contents = Inhalt
contents-direct = Nur direkt Enthaltenes
contents-all = Alle Ebenen
contents-empty = Leer.
section-history = Verlauf
history-empty = Kein Verlauf.
history-when = Wann
history-what = Was
history-from-to = Von → nach
history-who = Wer
history-reason = Grund
page-next = Nächste Seite
page-older = Ältere Einträge
section-move = Umlagern
move-to = Nach (Lagerplatz oder Kiste)
move-to-placeholder = p… oder b… scannen oder eingeben
move-submit = Umlagern
move-target-invalid = „{ $id }“ ist keine Kennung eines Lagerplatzes oder einer Kiste.
section-edit = Bearbeiten
edit-submit = Speichern
section-declared = Angemeldete Geräte
order-title = Auftrag { $id }
rack-cell = Spalte { $column }, Reihe { $row }
count-items = { $count } Artikel

field-id = Kennung
field-name = Name
field-in = In
field-serial = Seriennummer
field-class = Artikelcode
field-condition = Zustand
field-barcodes = Barcodes
field-attributes = Merkmale
field-version = Version
field-order = Auftrag
field-warehouse = Lager
field-rack = Regal
field-role = Rolle
field-description = Beschreibung
field-status = Status
field-reference = Referenz
field-customer = Kunde
field-tracking = Sendungsnummer
field-received-at = Eingegangen
field-processed-at = Bearbeitet
field-shipped-at = Versandt

change-created = Angelegt
change-updated = Geändert
change-moved = Umgelagert
change-action = Reparaturschritt
change-linked = Verknüpft
change-unlinked = Verknüpfung gelöst
change-deleted = Gelöscht

status-created = Angelegt
status-received = Eingegangen
status-processed = Bearbeitet
status-shipped = Versandt

## Scan
scan-title = Scannen
scan-field = Code
scan-submit = Scannen
scan-answer = Antwort
scan-working-set = Arbeitsauswahl
scan-working-set-empty = Noch nichts ausgewählt.
scan-set-places = Lagerplätze
scan-set-boxes = Kisten
scan-set-items = Artikel
