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
