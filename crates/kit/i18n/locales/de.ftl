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
move-target-invalid = „{ $id }“ bezeichnet keinen Lagerplatz und keine Kiste.
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

## Dashboard
dashboard-counts = Bestand
dashboard-items = Artikel
dashboard-boxes = Kisten
dashboard-places = Lagerplätze
dashboard-open-orders = Offene Aufträge
dashboard-orders = Aufträge nach Status
dashboard-scans-today = Scans heute, je Stunde
dashboard-scans-total = { $count ->
    [one] Ein Scan heute.
   *[other] { $count } Scans heute.
}
dashboard-scans-hour = { $count ->
    [one] ein Scan
   *[other] { $count } Scans
}
dashboard-activity = Letzte Aktivität

## Search
search-title = Suche
search-empty = Einen Code eingeben oder scannen, um zu suchen.
search-several = „{ $code }“ bezeichnet { $count } Objekte:
search-nothing = Nichts trägt „{ $code }“.
search-named = Der Code bezeichnet
resolution-label_v1 = ein ECK-Etikett (v1)
resolution-label_v2 = ein ECK-Etikett (v2)
resolution-id = eine eingegebene Kennung
resolution-serial = eine Seriennummer
resolution-rma = ein RMA-Code
resolution-barcode = ein Barcode
resolution-tracking = eine Sendungsnummer
resolution-gs1 = ein GS1-Produktcode
resolution-unknown = ein Code unbekannter Art
resolution-bad_label = ein unlesbares Etikett
missing-unknown_code = Kein Objekt trägt diesen Code.
missing-label_not_bound = Dieses vorgedruckte Etikett klebt noch an keinem Artikel und keiner Kiste: nach dem zugehörigen Artikel oder der Kiste scannen.
missing-bad_label = Dieses ECK-Etikett ist nicht lesbar: beschädigt, von einem anderen Standort oder nicht echt.
missing-place_not_set_up = Kein Lagerplatz hat diese Kennung: Lagerplätze werden im Lagerlayout angelegt.
missing-not_created = Noch nichts hat diese Kennung: ein Scan würde es anlegen.
missing-user_badge = Dies ist ein Benutzerausweis: er meldet eine Person an einem Scanner an.
missing-serial_moved_on = Der aus dieser Seriennummer angelegte Artikel trägt inzwischen eine andere Seriennummer.

## Labels
nav-labels = Etiketten
labels-title = Etiketten drucken
labels-kind = Art
labels-kind-box = Kisten
labels-kind-item = Artikel
labels-kind-label = Vorgedruckte Etiketten (später durch Scannen zugeordnet)
labels-kind-order = Aufträge
labels-kind-place = Lagerplätze (nur vorhandene Kennungen)
labels-kind-user = Ausweise (nur vorhandene Benutzer)
labels-count = Wie viele neue Kennungen
labels-ids = Oder vorhandene Kennungen, eine je Zeile
labels-hint = Eine Anzahl für neue Kennungen angeben oder Kennungen zum erneuten Drucken. Der Bogen ist ein A4-PDF.
labels-submit = Drucken
labels-reprint = Etikett erneut drucken
labels-kind-invalid = Bitte eine Etikettenart wählen.
labels-count-invalid = Zwischen 1 und { $count } Etiketten je Bogen.
labels-count-or-ids = Entweder eine Anzahl neuer Kennungen oder eine Liste von Kennungen angeben, nicht beides.
labels-id-invalid = Zeile { $line }: „{ $id }“ ist keine Kennung ({ $why }).

## Repair desk
nav-repair = Reparaturannahme
repair-title = Reparaturannahme
repair-new = Neue RMA-Anfrage
repair-all-lists = Alle Listen
repair-filter-missing = Eingegangen, Geräte fehlen
repair-list-received = Eingegangen, älteste zuerst
repair-list-missing = Eingegangen mit fehlenden Geräten
repair-list-created = Angekündigt, noch nicht eingegangen
repair-list-processed = Bearbeitet, zu versenden
repair-list-empty = Keine.
repair-code = RMA-Code
repair-devices = Geräte
repair-age = Wartezeit
repair-created-at = Angekündigt
repair-overdue = überfällig
repair-age-days = { $count ->
    [one] { $count } Tag
   *[other] { $count } Tage
}
repair-form-invalid = Einige Felder wurden nicht angenommen; siehe die Hinweise daneben.
repair-report = Servicebericht
repair-report-hint = Eine Tabelle (CSV) der im Zeitraum eingegangenen Anfragen, eine Zeile je Gerät.
repair-report-from = Eingegangen ab
repair-report-to = Eingegangen bis (einschließlich)
repair-report-any-status = Jeder Status
repair-report-submit = CSV herunterladen
repair-report-bad-date = muss ein Datum sein (JJJJ-MM-TT)
repair-report-bad-status = muss ein Status eines Auftrags sein
repair-report-to-before-from = darf nicht vor dem Beginn liegen
repair-customer = Kunde
repair-company = Firma
repair-person = Ansprechpartner
repair-email = E-Mail
repair-phone = Telefon
repair-street = Straße
repair-house-number = Hausnummer
repair-postal-code = Postleitzahl
repair-city = Ort
repair-country = Land
repair-declared-hint = Ein Gerät je Zeile: Seriennummer;Beschreibung (die Beschreibung kann fehlen).
repair-declared-bad-line = Zeile { $count }: { $name }
repair-declared-no-serial = die Seriennummer fehlt
repair-declared-again = nochmals das Gerät aus Zeile { $count }
repair-create = RMA-Anfrage anlegen
repair-rma = RMA-Anfrage
repair-slip = Begleitschein für den Kunden (PDF)
repair-reconciliation = Eingegangen gegen angemeldet
repair-matched-count = { $count } zugeordnet
repair-missing-count = { $count } fehlen
repair-undeclared-count = { $count } nicht angemeldet
repair-not-received = Das Paket ist noch nicht eingegangen.
repair-matched = Zugeordnet
repair-missing = Fehlend
repair-undeclared = Nicht angemeldet
repair-item = Artikel
repair-set-status = Status
repair-set-status-submit = Status setzen
repair-unfinished = Die Reparatur ist nicht abgeschlossen:
repair-actions = Reparatur
repair-actions-empty = Keine Reparaturschritte erfasst.
repair-actions-more = Nur die ersten 200 Schritte werden gezeigt.
repair-action-type = Schritt
repair-action-message = Was getan oder gefunden wurde
repair-outcome = Ergebnis
repair-outcome-hint = Nur für ein Ergebnis.
repair-parts = Verwendete Teile
repair-parts-hint = Ein Teil je Zeile.
repair-warranty = Auf Garantie
repair-yes = ja
repair-no = nein
repair-type-check = Prüfung
repair-type-cause = Ursache
repair-type-result = Ergebnis
repair-type-note = Notiz
repair-outcome-repaired = Repariert
repair-outcome-replaced = Ersetzt
repair-outcome-no_fault_found = Kein Fehler gefunden
repair-outcome-beyond_repair = Nicht reparierbar
repair-outcome-returned_unrepaired = Unrepariert zurück
repair-record = Schritt erfassen
repair-record-submit = Erfassen
repair-bad-type = muss Prüfung, Ursache, Ergebnis oder Notiz sein
repair-bad-outcome = muss eines der aufgeführten Ergebnisse sein
repair-outcome-required = ein Ergebnis braucht seinen Ausgang
repair-outcome-only-result = nur ein Ergebnis hat Ausgang, Teile und Garantie
repair-back-to-item = Zurück zum Artikel
repair-item-title = Reparatur von { $id }
