# ECKWMS — English. Every message here exists in de.ftl and ru.ftl too (a test checks).

## Shell
nav-label = Main
nav-dashboard = Dashboard
nav-scan = Scan
search-label = Find anything by its code
search-placeholder = Scan or type a code
search-button = Find
signed-in-as = Signed in as
logout = Log out

## Errors
error-csrf = This form has expired. Reload the page and try again.
error-forbidden = Not allowed
error-not-found = Not found
error-conflict = Changed meanwhile
error-invalid = Not accepted
error-rate-limited = Too many attempts
error-unavailable = The service is busy. Try again in a moment.
error-internal = Something went wrong
error-back-home = Back to the dashboard
error-no-such-id = “{ $id }” is not an id of this kind.

## Login
login-title = Log in
login-username = Username
login-password = Password
login-submit = Log in
login-expired = Your session has ended. Please log in again.
login-form-expired = The login form had expired. Please try again.
login-invalid = Wrong username or password.
login-throttled = Too many failed logins. Try again in { $seconds } seconds.

## Notices
notice-saved = Saved.
notice-moved = Moved.
notice-stale = Someone else changed this meanwhile; this is the current state.
notice-invalid = Not accepted:

## Objects
section-location = Location
location-nowhere = Not at any place.
section-contents = Contents
contents-direct = Only what is directly inside
contents-all = All levels
contents-empty = Empty.
section-history = History
history-empty = No history.
history-when = When
history-what = What
history-from-to = From → to
history-who = Who
history-reason = Reason
page-next = Next page
page-older = Older entries
section-move = Move
move-to = To (place or box)
move-to-placeholder = Scan or type p… or b…
move-submit = Move
move-target-invalid = “{ $id }” names no place or box.
section-edit = Edit
edit-submit = Save
section-declared = Declared devices
order-title = Order { $id }
rack-cell = column { $column }, row { $row }
count-items = { $count } items

field-id = Id
field-name = Name
field-in = In
field-serial = Serial
field-class = Class code
field-condition = Condition
field-barcodes = Barcodes
field-attributes = Attributes
field-version = Version
field-order = Order
field-warehouse = Warehouse
field-rack = Rack
field-role = Role
field-description = Description
field-status = Status
field-reference = Reference
field-customer = Customer
field-tracking = Tracking number
field-received-at = Received
field-processed-at = Processed
field-shipped-at = Shipped

change-created = Created
change-updated = Changed
change-moved = Moved
change-action = Repair step
change-linked = Linked
change-unlinked = Unlinked
change-deleted = Deleted

status-created = Created
status-received = Received
status-processed = Processed
status-shipped = Shipped

## Scan
scan-title = Scan
scan-field = Code
scan-submit = Scan
scan-answer = Answer
scan-working-set = Working set
scan-working-set-empty = Nothing selected yet.
scan-set-places = Places
scan-set-boxes = Boxes
scan-set-items = Items

## Dashboard
dashboard-counts = Counts
dashboard-items = Items
dashboard-boxes = Boxes
dashboard-places = Places
dashboard-open-orders = Open orders
dashboard-orders = Orders by status
dashboard-scans-today = Scans today, per hour
dashboard-scans-total = { $count ->
    [one] One scan today.
   *[other] { $count } scans today.
}
dashboard-scans-hour = { $count ->
    [one] one scan
   *[other] { $count } scans
}
dashboard-activity = Latest activity

## Search
search-title = Search
search-empty = Type or scan a code to search for.
search-several = “{ $code }” names { $count } objects:
search-nothing = Nothing carries “{ $code }”.
search-named = The code names
resolution-label_v1 = an ECK label (v1)
resolution-label_v2 = an ECK label (v2)
resolution-id = a typed id
resolution-serial = a serial number
resolution-rma = an RMA code
resolution-barcode = a barcode
resolution-tracking = a tracking number
resolution-gs1 = a GS1 product code
resolution-unknown = a code of no known kind
resolution-bad_label = an unreadable label
missing-unknown_code = No object carries this code.
missing-label_not_bound = This pre-printed label is not on any item or box yet: scan it after the item or box it belongs to.
missing-bad_label = This ECK label cannot be read: damaged, of another site, or not genuine.
missing-place_not_set_up = No place has this id: places are set up in the layout.
missing-not_created = Nothing has this id yet: scanning it would create it.
missing-user_badge = This is a user's badge: it logs an operator in on a scanner.
missing-serial_moved_on = The item made from this serial carries another serial now.

## Labels
nav-labels = Labels
labels-title = Print labels
labels-kind = Kind
labels-kind-box = Boxes
labels-kind-item = Items
labels-kind-label = Pre-printed labels (bound later by scanning)
labels-kind-order = Orders
labels-kind-place = Places (existing ids only)
labels-kind-user = Badges (existing users only)
labels-count = How many new ids
labels-ids = Or existing ids, one per line
labels-hint = Give a number for fresh ids, or ids to print again. The sheet is an A4 PDF.
labels-submit = Print
labels-reprint = Print its label again
labels-kind-invalid = Choose a kind of label.
labels-count-invalid = Between 1 and { $count } labels per sheet.
labels-count-or-ids = Give a number of new ids or a list of ids, not both.
labels-id-invalid = Line { $line }: “{ $id }” is not an id ({ $why }).
## Scanners, users, roles, API keys, audit log
nav-scanners = Scanners
nav-users = Users
nav-roles = Roles
nav-apikeys = API keys
nav-audit = Audit log
admin-no-role = — no role —
admin-notice-created = Created.
admin-notice-deleted = Deleted.
scanners-title = Scanners
scanners-pending = Waiting for approval
scanners-pending-none = No scanner is waiting.
scanners-device = Device
scanners-registered = Registered
scanners-decision = Decision
scanners-approve = Approve
scanners-block = Block
scanners-notice-approved = Approved.
scanners-notice-blocked = Blocked.
scanners-status-pending = Waiting
scanners-status-active = Approved
scanners-status-blocked = Blocked
scanners-all = Registered scanners
scanners-none = No other scanner.
scanners-last-seen = Last seen
scanners-change = Change
scanners-pairing = Pairing
scanners-pairing-about = A new scanner reads this code to register with this instance; it then waits here for approval.
scanners-pairing-alt = The pairing QR code of this instance (none without a configured global URL)
scanners-pairing-png = Download as PNG
users-title = Users
users-username = Username
users-display-name = Display name
users-active = Active
users-yes = yes
users-no = no
users-last-login = Last login
users-create = New user
users-create-submit = Create user
users-may-log-in = May log in (active)
users-password = New password
users-new-password = New password (at least 10 characters)
users-password-submit = Set password
users-notice-password = The password is set; the user's sessions have ended.
users-back = All users
roles-title = Roles
roles-permissions = Permissions
roles-fixed = fixed
roles-fixed-about = This role is fixed: it cannot be changed or deleted.
roles-create = New role
roles-create-submit = Create role
roles-delete = Delete
roles-delete-confirm = Delete this role? This cannot be undone.
roles-delete-submit = Delete role
roles-back = All roles
roles-version-missing = the form lacks the version it was drawn from.
permission-core-admin = Administer the instance: roles and the audit log.
permission-settings-view = See the settings: warehouses, racks, roles, permissions.
permission-settings-edit = Change the layout: warehouses, racks and places.
permission-scan-execute = Scan codes with the scan flow.
permission-workflow-receiving = Use the scanner app's receiving screens.
permission-workflow-picking = Use the scanner app's picking screens.
permission-workflow-packing = Use the scanner app's packing screens.
permission-workflow-inventory = Use the scanner app's stock-taking screens.
permission-inventory-adjust = Create, change, delete and move items and boxes.
permission-inventory-view = Read items, boxes, places, orders and their histories.
permission-labels-print = Print labels.
permission-orders-manage = Create, change and delete orders.
permission-repair-work = Record repair work on items.
permission-users-manage = Manage users and their passwords and PINs.
permission-devices-manage = Approve, block and manage scanners; show the pairing QR.
permission-apikeys-manage = Create, list and revoke API keys.
permission-reports-export = Export reports.
apikeys-title = API keys
apikeys-none = No API key.
apikeys-key-id = Key id
apikeys-created = Created
apikeys-expires = Expires
apikeys-last-used = Last used
apikeys-state-active = Active
apikeys-state-expired = Expired
apikeys-state-revoked = Revoked
apikeys-revoke = Revoke
apikeys-revoke-confirm = Revoke this key? Whatever uses it stops working at once.
apikeys-notice-revoked = Revoked.
apikeys-create = New API key
apikeys-expires-field = Last valid day (optional)
apikeys-expires-invalid = must be a date (year-month-day).
apikeys-create-submit = Create key
apikeys-notice-created = The key is created.
apikeys-new-key = The new key
apikeys-shown-once = Copy the key now: it is shown only this once and cannot be shown again.
audit-title = Audit log
audit-empty = No entries.
audit-event = Event
audit-subject = Concerning
audit-address = Address
audit-detail = Detail

## Repair desk
nav-repair = Repair desk
repair-title = Repair desk
repair-new = New RMA request
repair-all-lists = All lists
repair-filter-missing = Received, devices missing
repair-list-received = Received, oldest first
repair-list-missing = Received with devices missing
repair-list-created = Announced, not yet received
repair-list-processed = Processed, to be shipped
repair-list-empty = None.
repair-code = RMA code
repair-devices = Devices
repair-age = Waiting
repair-created-at = Announced
repair-overdue = overdue
repair-age-days = { $count ->
    [one] { $count } day
   *[other] { $count } days
}
repair-form-invalid = Some fields were not accepted; see the messages beside them.
repair-report = Service report
repair-report-hint = A spreadsheet (CSV) of the requests received in the period, one row per device.
repair-report-from = Received from
repair-report-to = Received up to (inclusive)
repair-report-any-status = Any status
repair-report-submit = Download CSV
repair-report-bad-date = must be a date (YYYY-MM-DD)
repair-report-bad-status = must be a status of an order
repair-report-to-before-from = must not be before the start
repair-customer = Customer
repair-company = Company
repair-person = Contact person
repair-email = Email
repair-phone = Phone
repair-street = Street
repair-house-number = House number
repair-postal-code = Postal code
repair-city = City
repair-country = Country
repair-declared-hint = One device a line: serial;description (the description may be left out).
repair-declared-bad-line = Line { $count }: { $name }
repair-declared-no-serial = the serial is missing
repair-declared-again = the device of line { $count } again
repair-create = Create the RMA request
repair-rma = RMA request
repair-slip = Customer's slip (PDF)
repair-reconciliation = Arrived against declared
repair-matched-count = { $count } matched
repair-missing-count = { $count } missing
repair-undeclared-count = { $count } undeclared
repair-not-received = The parcel has not arrived yet.
repair-matched = Matched
repair-missing = Missing
repair-undeclared = Undeclared
repair-item = Item
repair-set-status = Status
repair-set-status-submit = Set status
repair-unfinished = The repair is not finished:
repair-actions = Repair
repair-actions-empty = No repair steps recorded.
repair-actions-more = Only the first 200 steps are shown.
repair-action-type = Step
repair-action-message = What was done or found
repair-outcome = Outcome
repair-outcome-hint = For a result only.
repair-parts = Parts used
repair-parts-hint = One part a line.
repair-warranty = Under warranty
repair-yes = yes
repair-no = no
repair-type-check = Check
repair-type-cause = Cause
repair-type-result = Result
repair-type-note = Note
repair-outcome-repaired = Repaired
repair-outcome-replaced = Replaced
repair-outcome-no_fault_found = No fault found
repair-outcome-beyond_repair = Beyond repair
repair-outcome-returned_unrepaired = Returned unrepaired
repair-record = Record a step
repair-record-submit = Record
repair-bad-type = must be check, cause, result or note
repair-bad-outcome = must be one of the outcomes listed
repair-outcome-required = a result needs its outcome
repair-outcome-only-result = only a result has an outcome, parts and warranty
repair-back-to-item = Back to the item
repair-item-title = Repair of { $id }

## Layout
nav-layout = Layout
layout-title = Warehouse layout
layout-warehouses = Warehouses
layout-no-warehouses = No warehouse yet.
layout-first-warehouses = The first { $count } warehouses.
layout-no-racks = No rack in this warehouse yet.
layout-plan = Floor plan
layout-legend = Occupied places
layout-racks = Racks
layout-cells = Cells
layout-position = Position (x, y)
layout-rotation = Rotation (degrees)
layout-places = Places
layout-occupied = Occupied
layout-occupied-of = { $occupied } of { $places } places occupied
layout-new-rack = New rack
layout-new-rack-submit = Create rack
layout-columns = Columns
layout-rows = Rows
layout-pos-x = Position x (cells)
layout-pos-y = Position y (cells)
layout-not-a-number = must be a whole number.
layout-cell-occupied = occupied
layout-cell-empty = empty
layout-back = Back to the floor plan
layout-start-index = First cell number

## Scanner messages: the answers of the scan flow (POST /api/v1/scans, /ECK/API/SCAN, the scan page)
scan-object = { $kind ->
    [item] item
    [box] box
    [place] place
    [order] order
    [user] user
    [label] label
   *[other] object
} { $number }
scan-object-start = { $kind ->
    [item] Item
    [box] Box
    [place] Place
    [order] Order
    [user] User
    [label] Label
   *[other] Object
} { $number }
scan-items = { $count ->
    [one] 1 item
   *[other] { $count } items
}
scan-boxes = { $count ->
    [one] 1 box
   *[other] { $count } boxes
}
scan-items-and-boxes = { $items } and { $boxes }
scan-unreadable-label = This label cannot be read here ({ $error }): it is damaged or belongs to another instance.
scan-place-not-set-up = { $object } is not set up: create it (or its rack) first.
scan-label-not-bound = { $object } is not bound yet: scan an item or box, then this label.
scan-badge = Badge of { $object }: enter the PIN to log in on this scanner.
scan-now-serial = serial { $serial }
scan-now-no-serial = no serial
scan-now-other-kind = another kind
scan-serial-moved-on = No item has serial { $serial }; { $object }, made from it, now has { $now }: check the device, then correct a serial or scan the item's label.
scan-serial-on-several-items = Serial { $serial } belongs to { $count } items of different classes ({ $classes }): scan the item's label instead.
scan-code-on-several-objects = This code belongs to { $count } objects: scan their labels instead.
scan-item-added = { $created ->
    [yes] New item
   *[no] Item
} { $number } added.
scan-box-selected = { $created ->
    [yes] New box
   *[no] Box
} { $number } selected.
scan-place-selected = place { $place } selected.
scan-order-shown = { $created ->
    [yes] New order
   *[no] Order
} { $number }.
scan-put-into = { $what } put into box { $box }.
scan-moved-to-place = { $what } moved to place { $place }.
scan-boxes-linked = { $what } linked to order { $order }.
scan-class-set = Class { $class } set on item { $item }.
scan-code-attached = { $code ->
    [tracking] Tracking number
    [gs1] GS1 code
    [label] Label
   *[other] Code
} { $text } attached to { $object }.
scan-code-not-known = This { $code ->
    [tracking] tracking number
    [gs1] GS1 code
    [label] label
   *[other] code
} is not known: scan an item or box first to attach it.
scan-set-full = The set is full: put its contents somewhere first.
scan-no-longer-exists = { $object } no longer exists.
scan-refused = Refused: { $reasons }.
scan-reason-move_cycle = a box cannot go into itself or into a box inside it
