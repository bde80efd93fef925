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
## Scanners, users, roles, API keys, audit log
nav-scanners = Scanner
nav-users = Benutzer
nav-roles = Rollen
nav-apikeys = API-Schlüssel
nav-audit = Prüfprotokoll
admin-no-role = — keine Rolle —
admin-notice-created = Angelegt.
admin-notice-deleted = Gelöscht.
scanners-title = Scanner
scanners-pending = Warten auf Freigabe
scanners-pending-none = Kein Scanner wartet.
scanners-device = Gerät
scanners-registered = Registriert
scanners-decision = Entscheidung
scanners-approve = Freigeben
scanners-block = Sperren
scanners-notice-approved = Freigegeben.
scanners-notice-blocked = Gesperrt.
scanners-status-pending = Wartet
scanners-status-active = Freigegeben
scanners-status-blocked = Gesperrt
scanners-all = Registrierte Scanner
scanners-none = Kein weiterer Scanner.
scanners-last-seen = Zuletzt gesehen
scanners-change = Ändern
scanners-pairing = Koppeln
scanners-pairing-about = Ein neuer Scanner liest diesen Code, um sich bei dieser Instanz zu registrieren; danach wartet er hier auf Freigabe.
scanners-pairing-alt = Der Kopplungs-QR-Code dieser Instanz (ohne konfigurierte globale URL gibt es keinen)
scanners-pairing-png = Als PNG herunterladen
users-title = Benutzer
users-username = Benutzername
users-display-name = Anzeigename
users-active = Aktiv
users-yes = ja
users-no = nein
users-last-login = Letzte Anmeldung
users-create = Neuer Benutzer
users-create-submit = Benutzer anlegen
users-may-log-in = Darf sich anmelden (aktiv)
users-password = Neues Passwort
users-new-password = Neues Passwort (mindestens 10 Zeichen)
users-password-submit = Passwort setzen
users-notice-password = Das Passwort ist gesetzt; die Sitzungen des Benutzers sind beendet.
users-back = Alle Benutzer
roles-title = Rollen
roles-permissions = Berechtigungen
roles-fixed = fest
roles-fixed-about = Diese Rolle ist fest: Sie kann weder geändert noch gelöscht werden.
roles-create = Neue Rolle
roles-create-submit = Rolle anlegen
roles-delete = Löschen
roles-delete-confirm = Diese Rolle löschen? Das lässt sich nicht rückgängig machen.
roles-delete-submit = Rolle löschen
roles-back = Alle Rollen
roles-version-missing = dem Formular fehlt die Version, aus der es erstellt wurde.
permission-core-admin = Die Instanz verwalten: Rollen und das Prüfprotokoll.
permission-settings-view = Die Einstellungen sehen: Lager, Regale, Rollen, Berechtigungen.
permission-settings-edit = Den Aufbau ändern: Lager, Regale und Plätze.
permission-scan-execute = Codes mit dem Scan-Ablauf scannen.
permission-workflow-receiving = Die Wareneingangs-Ansichten der Scanner-App nutzen.
permission-workflow-picking = Die Kommissionier-Ansichten der Scanner-App nutzen.
permission-workflow-packing = Die Pack-Ansichten der Scanner-App nutzen.
permission-workflow-inventory = Die Inventur-Ansichten der Scanner-App nutzen.
permission-inventory-adjust = Artikel und Kisten anlegen, ändern, löschen und umlagern.
permission-inventory-view = Artikel, Kisten, Plätze, Aufträge und ihre Verläufe lesen.
permission-labels-print = Etiketten drucken.
permission-orders-manage = Aufträge anlegen, ändern und löschen.
permission-repair-work = Reparaturarbeiten an Artikeln erfassen.
permission-users-manage = Benutzer mit ihren Passwörtern und PINs verwalten.
permission-devices-manage = Scanner freigeben, sperren und verwalten; den Kopplungs-QR zeigen.
permission-apikeys-manage = API-Schlüssel anlegen, auflisten und widerrufen.
permission-reports-export = Berichte exportieren.
apikeys-title = API-Schlüssel
apikeys-none = Kein API-Schlüssel.
apikeys-key-id = Schlüssel-Id
apikeys-created = Angelegt
apikeys-expires = Läuft ab
apikeys-last-used = Zuletzt benutzt
apikeys-state-active = Aktiv
apikeys-state-expired = Abgelaufen
apikeys-state-revoked = Widerrufen
apikeys-revoke = Widerrufen
apikeys-revoke-confirm = Diesen Schlüssel widerrufen? Was ihn benutzt, funktioniert sofort nicht mehr.
apikeys-notice-revoked = Widerrufen.
apikeys-create = Neuer API-Schlüssel
apikeys-expires-field = Letzter gültiger Tag (optional)
apikeys-expires-invalid = muss ein Datum sein (Jahr-Monat-Tag).
apikeys-create-submit = Schlüssel anlegen
apikeys-notice-created = Der Schlüssel ist angelegt.
apikeys-new-key = Der neue Schlüssel
apikeys-shown-once = Kopieren Sie den Schlüssel jetzt: Er wird nur dieses eine Mal gezeigt.
audit-title = Prüfprotokoll
audit-empty = Keine Einträge.
audit-event = Ereignis
audit-subject = Betrifft
audit-address = Adresse
audit-detail = Einzelheiten

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

## Layout
nav-layout = Lagerplan
layout-title = Lagerplan
layout-warehouses = Lager
layout-no-warehouses = Noch kein Lager.
layout-first-warehouses = Die ersten { $count } Lager.
layout-no-racks = Noch kein Regal in diesem Lager.
layout-plan = Grundriss
layout-legend = Belegte Plätze
layout-racks = Regale
layout-cells = Fächer
layout-position = Position (x, y)
layout-rotation = Drehung (Grad)
layout-places = Plätze
layout-occupied = Belegt
layout-occupied-of = { $occupied } von { $places } Plätzen belegt
layout-new-rack = Neues Regal
layout-new-rack-submit = Regal anlegen
layout-columns = Spalten
layout-rows = Reihen
layout-pos-x = Position x (Fächer)
layout-pos-y = Position y (Fächer)
layout-not-a-number = muss eine ganze Zahl sein.
layout-cell-occupied = belegt
layout-cell-empty = leer
layout-back = Zurück zum Grundriss
layout-start-index = Nummer des ersten Fachs

## Scanner messages: the answers of the scan flow (POST /api/v1/scans, /ECK/API/SCAN, the scan page)
scan-object = { $kind ->
    [item] Artikel
    [box] Box
    [place] Lagerplatz
    [order] Auftrag
    [user] Benutzer
    [label] Etikett
   *[other] Objekt
} { $number }
scan-object-start = { $kind ->
    [item] Artikel
    [box] Box
    [place] Lagerplatz
    [order] Auftrag
    [user] Benutzer
    [label] Etikett
   *[other] Objekt
} { $number }
scan-items = { $count ->
    [one] 1 Artikel
   *[other] { $count } Artikel
}
scan-boxes = { $count ->
    [one] 1 Box
   *[other] { $count } Boxen
}
scan-items-and-boxes = { $items } und { $boxes }
scan-unreadable-label = Dieses Etikett kann hier nicht gelesen werden ({ $error }): Es ist beschädigt oder gehört zu einer anderen Instanz.
scan-place-not-set-up = { $object } ist nicht angelegt: Legen Sie ihn (oder sein Regal) zuerst an.
scan-label-not-bound = { $object } ist noch nicht zugeordnet: Scannen Sie einen Artikel oder eine Box, dann dieses Etikett.
scan-badge = Ausweis von { $object }: Geben Sie die PIN ein, um sich an diesem Scanner anzumelden.
scan-now-serial = die Seriennummer { $serial }
scan-now-no-serial = keine Seriennummer
scan-now-other-kind = eine andere Art
scan-serial-moved-on = Kein Artikel hat die Seriennummer { $serial }; { $object }, daraus entstanden, hat jetzt { $now }: Prüfen Sie das Gerät, korrigieren Sie dann eine Seriennummer oder scannen Sie das Etikett des Artikels.
scan-serial-on-several-items = Die Seriennummer { $serial } gehört zu { $count } Artikeln verschiedener Klassen ({ $classes }): Scannen Sie stattdessen das Etikett des Artikels.
scan-code-on-several-objects = Dieser Code gehört zu { $count } Objekten: Scannen Sie stattdessen deren Etiketten.
scan-item-added = { $created ->
    [yes] Neuer Artikel
   *[no] Artikel
} { $number } hinzugefügt.
scan-box-selected = { $created ->
    [yes] Neue Box
   *[no] Box
} { $number } ausgewählt.
scan-place-selected = Lagerplatz { $place } ausgewählt.
scan-order-shown = { $created ->
    [yes] Neuer Auftrag
   *[no] Auftrag
} { $number }.
scan-put-into = { $what } in Box { $box } gelegt.
scan-moved-to-place = { $what } auf Lagerplatz { $place } gebracht.
scan-boxes-linked = { $what } mit Auftrag { $order } verknüpft.
scan-class-set = Klasse { $class } für Artikel { $item } gesetzt.
scan-code-attached = { $code ->
    [tracking] Sendungsnummer
    [gs1] GS1-Code
    [label] Etikett
   *[other] Code
} { $text } gehört jetzt zu { $object }.
scan-code-not-known = { $code ->
    [tracking] Diese Sendungsnummer ist
    [gs1] Dieser GS1-Code ist
    [label] Dieses Etikett ist
   *[other] Dieser Code ist
} unbekannt: Scannen Sie zuerst einen Artikel oder eine Box, um { $code ->
    [tracking] sie
    [label] es
   *[other] ihn
} zuzuordnen.
scan-set-full = Die Auswahl ist voll: Legen Sie ihren Inhalt zuerst irgendwo ab.
scan-no-longer-exists = { $object } existiert nicht mehr.
scan-refused = Abgelehnt: { $reasons }.
scan-reason-move_cycle = Eine Box kann nicht in sich selbst oder in eine Box in ihr gelegt werden
