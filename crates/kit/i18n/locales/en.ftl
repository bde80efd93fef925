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
