# ECKWMS — русский.

## Shell
nav-label = Главное меню
nav-dashboard = Обзор
nav-scan = Сканирование
search-label = Найти что угодно по коду
search-placeholder = Отсканируйте или введите код
search-button = Найти
signed-in-as = Вы вошли как
logout = Выйти

## Errors
error-csrf = Срок действия формы истёк. Обновите страницу и попробуйте снова.
error-forbidden = Нет доступа
error-not-found = Не найдено
error-conflict = Уже изменено
error-invalid = Не принято
error-rate-limited = Слишком много попыток
error-unavailable = Сервис занят. Попробуйте чуть позже.
error-internal = Что-то пошло не так
error-back-home = Вернуться к обзору
error-no-such-id = «{ $id }» — не идентификатор такого вида.

## Login
login-title = Вход
login-username = Имя пользователя
login-password = Пароль
login-submit = Войти
login-expired = Сеанс завершён. Войдите снова.
login-form-expired = Срок действия формы входа истёк. Попробуйте снова.
login-invalid = Неверное имя пользователя или пароль.
login-throttled = Слишком много неудачных попыток входа. Попробуйте через { $seconds } с.

## Notices
notice-saved = Сохранено.
notice-moved = Перемещено.
notice-stale = Кто-то уже изменил это; показано текущее состояние.
notice-invalid = Не принято:

## Objects
section-location = Местоположение
location-nowhere = Не находится ни на одном месте.
section-contents = Содержимое
contents-direct = Только непосредственное содержимое
contents-all = Все уровни
contents-empty = Пусто.
section-history = История
history-empty = Истории нет.
history-when = Когда
history-what = Что
history-from-to = Откуда → куда
history-who = Кто
history-reason = Причина
page-next = Следующая страница
page-older = Более ранние записи
section-move = Переместить
move-to = Куда (место или коробка)
move-to-placeholder = Отсканируйте или введите p… или b…
move-submit = Переместить
move-target-invalid = «{ $id }» не обозначает ни место, ни коробку.
section-edit = Изменить
edit-submit = Сохранить
section-declared = Заявленные устройства
order-title = Заказ { $id }
rack-cell = столбец { $column }, ряд { $row }
count-items = { $count } шт.

field-id = Идентификатор
field-name = Название
field-in = В
field-serial = Серийный номер
field-class = Код товара
field-condition = Состояние
field-barcodes = Штрихкоды
field-attributes = Свойства
field-version = Версия
field-order = Заказ
field-warehouse = Склад
field-rack = Стеллаж
field-role = Роль
field-description = Описание
field-status = Статус
field-reference = Номер клиента
field-customer = Клиент
field-tracking = Трек-номер
field-received-at = Получен
field-processed-at = Обработан
field-shipped-at = Отправлен

change-created = Создано
change-updated = Изменено
change-moved = Перемещено
change-action = Шаг ремонта
change-linked = Привязано
change-unlinked = Отвязано
change-deleted = Удалено

status-created = Создан
status-received = Получен
status-processed = Обработан
status-shipped = Отправлен

## Scan
scan-title = Сканирование
scan-field = Код
scan-submit = Сканировать
scan-answer = Ответ
scan-working-set = Рабочий набор
scan-working-set-empty = Пока ничего не выбрано.
scan-set-places = Места
scan-set-boxes = Коробки
scan-set-items = Товары

## Dashboard
dashboard-counts = Количество
dashboard-items = Товары
dashboard-boxes = Коробки
dashboard-places = Места
dashboard-open-orders = Открытые заказы
dashboard-orders = Заказы по статусам
dashboard-scans-today = Сканирования сегодня по часам
dashboard-scans-total = { $count ->
    [one] Сегодня { $count } сканирование.
    [few] Сегодня { $count } сканирования.
   *[other] Сегодня { $count } сканирований.
}
dashboard-scans-hour = { $count ->
    [one] { $count } сканирование
    [few] { $count } сканирования
   *[other] { $count } сканирований
}
dashboard-activity = Последние действия

## Search
search-title = Поиск
search-empty = Введите или отсканируйте код для поиска.
search-several = «{ $code }» обозначает несколько объектов ({ $count }):
search-nothing = Код «{ $code }» ни на чём не найден.
search-named = Код обозначает
resolution-label_v1 = этикетка ECK (v1)
resolution-label_v2 = этикетка ECK (v2)
resolution-id = введённый идентификатор
resolution-serial = серийный номер
resolution-rma = код RMA
resolution-barcode = штрихкод
resolution-tracking = трек-номер
resolution-gs1 = код товара GS1
resolution-unknown = код неизвестного вида
resolution-bad_label = нечитаемая этикетка
missing-unknown_code = Ни один объект не несёт этот код.
missing-label_not_bound = Эта заранее напечатанная этикетка ещё не наклеена ни на товар, ни на коробку: отсканируйте её после нужного товара или коробки.
missing-bad_label = Эту этикетку ECK нельзя прочитать: повреждена, с другой площадки или поддельная.
missing-place_not_set_up = Места с таким идентификатором нет: места создаются в схеме склада.
missing-not_created = Пока ничего не имеет этого идентификатора: сканирование создаст объект.
missing-user_badge = Это пропуск пользователя: он выполняет вход оператора на сканере.
missing-serial_moved_on = Товар, созданный по этому серийному номеру, теперь имеет другой серийный номер.

## Labels
nav-labels = Этикетки
labels-title = Печать этикеток
labels-kind = Вид
labels-kind-box = Коробки
labels-kind-item = Товары
labels-kind-label = Заранее напечатанные этикетки (привязываются сканированием)
labels-kind-order = Заказы
labels-kind-place = Места (только существующие идентификаторы)
labels-kind-user = Пропуска (только существующие пользователи)
labels-count = Сколько новых идентификаторов
labels-ids = Или существующие идентификаторы, по одному в строке
labels-hint = Укажите количество для новых идентификаторов или идентификаторы для повторной печати. Лист — PDF формата A4.
labels-submit = Напечатать
labels-reprint = Напечатать этикетку ещё раз
labels-kind-invalid = Выберите вид этикетки.
labels-count-invalid = От 1 до { $count } этикеток на лист.
labels-count-or-ids = Укажите либо количество новых идентификаторов, либо список идентификаторов, но не то и другое.
labels-id-invalid = Строка { $line }: «{ $id }» — не идентификатор ({ $why }).
## Scanners, users, roles, API keys, audit log
nav-scanners = Сканеры
nav-users = Пользователи
nav-roles = Роли
nav-apikeys = API-ключи
nav-audit = Журнал аудита
admin-no-role = — без роли —
admin-notice-created = Создано.
admin-notice-deleted = Удалено.
scanners-title = Сканеры
scanners-pending = Ожидают одобрения
scanners-pending-none = Ни один сканер не ожидает.
scanners-device = Устройство
scanners-registered = Зарегистрирован
scanners-decision = Решение
scanners-approve = Одобрить
scanners-block = Заблокировать
scanners-notice-approved = Одобрено.
scanners-notice-blocked = Заблокировано.
scanners-status-pending = Ожидает
scanners-status-active = Одобрен
scanners-status-blocked = Заблокирован
scanners-all = Зарегистрированные сканеры
scanners-none = Других сканеров нет.
scanners-last-seen = Последняя активность
scanners-change = Изменить
scanners-pairing = Привязка
scanners-pairing-about = Новый сканер считывает этот код, чтобы зарегистрироваться в этом экземпляре; затем он ждёт здесь одобрения.
scanners-pairing-alt = QR-код привязки этого экземпляра (без настроенного глобального URL его нет)
scanners-pairing-png = Скачать PNG
users-title = Пользователи
users-username = Имя пользователя
users-display-name = Отображаемое имя
users-active = Активен
users-yes = да
users-no = нет
users-last-login = Последний вход
users-create = Новый пользователь
users-create-submit = Создать пользователя
users-may-log-in = Может входить (активен)
users-password = Новый пароль
users-new-password = Новый пароль (не менее 10 символов)
users-password-submit = Установить пароль
users-notice-password = Пароль установлен; сеансы пользователя завершены.
users-back = Все пользователи
roles-title = Роли
roles-permissions = Права
roles-fixed = неизменяемая
roles-fixed-about = Эта роль неизменяема: её нельзя изменить или удалить.
roles-create = Новая роль
roles-create-submit = Создать роль
roles-delete = Удаление
roles-delete-confirm = Удалить эту роль? Это нельзя отменить.
roles-delete-submit = Удалить роль
roles-back = Все роли
roles-version-missing = в форме нет версии, с которой она была построена.
permission-core-admin = Администрировать экземпляр: роли и журнал аудита.
permission-settings-view = Видеть настройки: склады, стеллажи, роли, права.
permission-settings-edit = Менять схему: склады, стеллажи и места.
permission-scan-execute = Сканировать коды в процессе сканирования.
permission-workflow-receiving = Пользоваться экранами приёмки в приложении сканера.
permission-workflow-picking = Пользоваться экранами комплектации в приложении сканера.
permission-workflow-packing = Пользоваться экранами упаковки в приложении сканера.
permission-workflow-inventory = Пользоваться экранами инвентаризации в приложении сканера.
permission-inventory-adjust = Создавать, менять, удалять и перемещать товары и коробки.
permission-inventory-view = Читать товары, коробки, места, заказы и их историю.
permission-labels-print = Печатать этикетки.
permission-orders-manage = Создавать, менять и удалять заказы.
permission-repair-work = Записывать ремонтные работы по товарам.
permission-users-manage = Управлять пользователями, их паролями и PIN-кодами.
permission-devices-manage = Одобрять, блокировать сканеры и управлять ими; показывать QR-код привязки.
permission-apikeys-manage = Создавать, просматривать и отзывать API-ключи.
permission-reports-export = Выгружать отчёты.
apikeys-title = API-ключи
apikeys-none = API-ключей нет.
apikeys-key-id = Id ключа
apikeys-created = Создан
apikeys-expires = Истекает
apikeys-last-used = Последнее использование
apikeys-state-active = Действует
apikeys-state-expired = Истёк
apikeys-state-revoked = Отозван
apikeys-revoke = Отозвать
apikeys-revoke-confirm = Отозвать этот ключ? Всё, что им пользуется, сразу перестанет работать.
apikeys-notice-revoked = Отозван.
apikeys-create = Новый API-ключ
apikeys-expires-field = Последний день действия (необязательно)
apikeys-expires-invalid = должно быть датой (год-месяц-день).
apikeys-create-submit = Создать ключ
apikeys-notice-created = Ключ создан.
apikeys-new-key = Новый ключ
apikeys-shown-once = Скопируйте ключ сейчас: он показывается только один раз.
audit-title = Журнал аудита
audit-empty = Записей нет.
audit-event = Событие
audit-subject = Объект
audit-address = Адрес
audit-detail = Подробности

## Repair desk
nav-repair = Приём в ремонт
repair-title = Приём в ремонт
repair-new = Новая заявка RMA
repair-all-lists = Все списки
repair-filter-missing = Получены, устройств не хватает
repair-list-received = Получены, сначала самые старые
repair-list-missing = Получены, не хватает устройств
repair-list-created = Заявлены, ещё не получены
repair-list-processed = Обработаны, к отправке
repair-list-empty = Нет.
repair-code = Код RMA
repair-devices = Устройства
repair-age = Ждёт
repair-created-at = Заявлена
repair-overdue = просрочена
repair-age-days = { $count ->
    [one] { $count } день
    [few] { $count } дня
   *[other] { $count } дней
}
repair-form-invalid = Некоторые поля не приняты; см. сообщения рядом с ними.
repair-report = Сервисный отчёт
repair-report-hint = Таблица (CSV) заявок, полученных за период, по строке на устройство.
repair-report-from = Получены с
repair-report-to = Получены по (включительно)
repair-report-any-status = Любой статус
repair-report-submit = Скачать CSV
repair-report-bad-date = должно быть датой (ГГГГ-ММ-ДД)
repair-report-bad-status = должно быть статусом заказа
repair-report-to-before-from = не может быть раньше начала
repair-customer = Клиент
repair-company = Компания
repair-person = Контактное лицо
repair-email = Эл. почта
repair-phone = Телефон
repair-street = Улица
repair-house-number = Номер дома
repair-postal-code = Почтовый индекс
repair-city = Город
repair-country = Страна
repair-declared-hint = По устройству в строке: серийный номер;описание (описание можно опустить).
repair-declared-bad-line = Строка { $count }: { $name }
repair-declared-no-serial = нет серийного номера
repair-declared-again = снова устройство из строки { $count }
repair-create = Создать заявку RMA
repair-rma = Заявка RMA
repair-slip = Сопроводительный лист для клиента (PDF)
repair-reconciliation = Получено и заявлено
repair-matched-count = сопоставлено: { $count }
repair-missing-count = не хватает: { $count }
repair-undeclared-count = не заявлено: { $count }
repair-not-received = Посылка ещё не получена.
repair-matched = Сопоставлены
repair-missing = Не хватает
repair-undeclared = Не заявлены
repair-item = Товар
repair-set-status = Статус
repair-set-status-submit = Установить статус
repair-unfinished = Ремонт не завершён:
repair-actions = Ремонт
repair-actions-empty = Шаги ремонта не записаны.
repair-actions-more = Показаны только первые 200 шагов.
repair-action-type = Шаг
repair-action-message = Что сделано или найдено
repair-outcome = Итог
repair-outcome-hint = Только для результата.
repair-parts = Использованные детали
repair-parts-hint = По детали в строке.
repair-warranty = По гарантии
repair-yes = да
repair-no = нет
repair-type-check = Проверка
repair-type-cause = Причина
repair-type-result = Результат
repair-type-note = Заметка
repair-outcome-repaired = Отремонтировано
repair-outcome-replaced = Заменено
repair-outcome-no_fault_found = Неисправность не найдена
repair-outcome-beyond_repair = Ремонту не подлежит
repair-outcome-returned_unrepaired = Возвращено без ремонта
repair-record = Записать шаг
repair-record-submit = Записать
repair-bad-type = должно быть: проверка, причина, результат или заметка
repair-bad-outcome = должно быть одним из перечисленных итогов
repair-outcome-required = у результата должен быть итог
repair-outcome-only-result = итог, детали и гарантия бывают только у результата
repair-back-to-item = Назад к товару
repair-item-title = Ремонт { $id }

## Layout
nav-layout = Схема склада
layout-title = Схема склада
layout-warehouses = Склады
layout-no-warehouses = Складов пока нет.
layout-first-warehouses = Первые { $count } складов.
layout-no-racks = В этом складе пока нет стеллажей.
layout-plan = План этажа
layout-legend = Занятые места
layout-racks = Стеллажи
layout-cells = Ячейки
layout-position = Положение (x, y)
layout-rotation = Поворот (градусы)
layout-places = Места
layout-occupied = Занято
layout-occupied-of = Занято { $occupied } из { $places } мест
layout-new-rack = Новый стеллаж
layout-new-rack-submit = Создать стеллаж
layout-columns = Столбцы
layout-rows = Ряды
layout-pos-x = Положение x (в ячейках)
layout-pos-y = Положение y (в ячейках)
layout-not-a-number = должно быть целым числом.
layout-cell-occupied = занято
layout-cell-empty = свободно
layout-back = Назад к плану
layout-start-index = Номер первой ячейки

## Scanner messages: the answers of the scan flow (POST /api/v1/scans, /ECK/API/SCAN, the scan page)
scan-object = { $kind ->
    [item] товар
    [box] коробка
    [place] место
    [order] заказ
    [user] пользователь
    [label] этикетка
   *[other] объект
} { $number }
scan-object-start = { $kind ->
    [item] Товар
    [box] Коробка
    [place] Место
    [order] Заказ
    [user] Пользователь
    [label] Этикетка
   *[other] Объект
} { $number }
scan-items = { $count ->
    [one] { $count } товар
    [few] { $count } товара
   *[other] { $count } товаров
}
scan-boxes = { $count ->
    [one] { $count } коробка
    [few] { $count } коробки
   *[other] { $count } коробок
}
scan-items-and-boxes = { $items } и { $boxes }
scan-unreadable-label = Эту этикетку здесь нельзя прочитать ({ $error }): она повреждена или принадлежит другому экземпляру системы.
scan-place-not-set-up = { $object } не заведено: сначала создайте его (или его стеллаж).
scan-label-not-bound = { $object }: этикетка ещё не привязана. Отсканируйте товар или коробку, затем эту этикетку.
scan-badge = Пропуск: { $object }. Введите PIN-код, чтобы войти на этом сканере.
scan-now-serial = серийный номер { $serial }
scan-now-no-serial = нет серийного номера
scan-now-other-kind = другой тип
scan-serial-moved-on = Ни у одного товара нет серийного номера { $serial }; у созданного по нему объекта ({ $object }) теперь { $now }: проверьте устройство, затем исправьте серийный номер или отсканируйте этикетку товара.
scan-serial-on-several-items = Серийный номер { $serial } есть у { $count } товаров разных классов ({ $classes }): отсканируйте вместо него этикетку товара.
scan-code-on-several-objects = Этот код есть у { $count } объектов: отсканируйте вместо него их этикетки.
scan-item-added = { $created ->
    [yes] Новый товар
   *[no] Товар
} { $number } добавлен.
scan-box-selected = { $created ->
    [yes] Новая коробка
   *[no] Коробка
} { $number } выбрана.
scan-place-selected = Выбрано место { $place }.
scan-order-shown = { $created ->
    [yes] Новый заказ
   *[no] Заказ
} { $number }.
scan-put-into = В коробку { $box } положено: { $what }.
scan-moved-to-place = На место { $place } перемещено: { $what }.
scan-boxes-linked = К заказу { $order } привязано: { $what }.
scan-class-set = Товару { $item } назначен класс { $class }.
scan-code-attached = Привязано к объекту ({ $object }): { $code ->
    [tracking] трек-номер
    [gs1] код GS1
    [label] этикетка
   *[other] код
} { $text }.
scan-code-not-known = { $code ->
    [tracking] Этот трек-номер неизвестен
    [gs1] Этот код GS1 неизвестен
    [label] Эта этикетка неизвестна
   *[other] Этот код неизвестен
}: сначала отсканируйте товар или коробку, чтобы привязать { $code ->
    [label] её
   *[other] его
}.
scan-set-full = Набор заполнен: сначала разместите его содержимое.
scan-no-longer-exists = { $object }: больше не существует.
scan-refused = Отклонено: { $reasons }.
scan-reason-move_cycle = коробку нельзя положить в саму себя или в коробку внутри неё
