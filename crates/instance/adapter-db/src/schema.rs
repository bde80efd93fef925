//! The one hand-written schema, with types both backends share.

diesel::table! {
    id_counters (kind) {
        kind -> Text,
        last_value -> BigInt,
    }
}

diesel::table! {
    warehouses (id) {
        id -> BigInt,
        name -> Text,
        id_offset -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    racks (id) {
        id -> BigInt,
        warehouse_id -> BigInt,
        name -> Text,
        prefix -> Nullable<Text>,
        column_count -> Integer,
        row_count -> Integer,
        start_index -> BigInt,
        sort_order -> Integer,
        pos_x -> Integer,
        pos_y -> Integer,
        rotation -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    places (id) {
        id -> Text,
        warehouse_id -> BigInt,
        name -> Text,
        rack_id -> Nullable<BigInt>,
        rack_index -> Nullable<Integer>,
        rack_column -> Nullable<Integer>,
        rack_row -> Nullable<Integer>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    repair_results (seq) {
        seq -> BigInt,
        outcome -> Text,
        parts -> Text,
        warranty -> Bool,
    }
}

diesel::table! {
    place_roles (place_id) {
        place_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    rma_declared (order_id, position) {
        order_id -> Text,
        position -> Integer,
        serial -> Text,
        serial_key -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        reference -> Nullable<Text>,
        customer -> Text,
        status -> Text,
        tracking_number -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
        processed_at -> Nullable<Timestamp>,
        shipped_at -> Nullable<Timestamp>,
        public_fields -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    boxes (id) {
        id -> Text,
        name -> Nullable<Text>,
        parent_box -> Nullable<Text>,
        parent_place -> Nullable<Text>,
        order_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    items (id) {
        id -> Text,
        serial -> Nullable<Text>,
        class_code -> Nullable<Text>,
        name -> Nullable<Text>,
        condition -> Nullable<Text>,
        attributes -> Text,
        parent_box -> Nullable<Text>,
        parent_place -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        serial_exempt -> Bool,
    }
}

diesel::table! {
    item_barcodes (item_id, position) {
        item_id -> Text,
        position -> Integer,
        barcode -> Text,
    }
}

diesel::table! {
    item_actions (seq) {
        seq -> BigInt,
        item_id -> Text,
        kind -> Text,
        message -> Text,
        at -> Timestamp,
        actor -> Text,
    }
}

diesel::table! {
    ledger (seq) {
        seq -> BigInt,
        at -> Timestamp,
        object_id -> Text,
        change -> Text,
        from_id -> Nullable<Text>,
        to_id -> Nullable<Text>,
        actor -> Text,
        reason -> Nullable<Text>,
        request_id -> Nullable<Text>,
        data -> Text,
        scan_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    ledger_refs (object_id, seq) {
        object_id -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        key_id -> Text,
        secret_hash -> Text,
        name -> Text,
        role -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (owner, key) {
        owner -> Text,
        key -> Text,
        fingerprint -> Text,
        state -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        headers -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    box_barcodes (box_id, position) {
        box_id -> Text,
        position -> Integer,
        barcode -> Text,
    }
}

diesel::table! {
    scan_sessions (owner) {
        owner -> Text,
        items -> Text,
        boxes -> Text,
        places -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scans (id) {
        id -> BigInt,
        at -> Timestamp,
        owner -> Text,
        actor -> Text,
        device_id -> Nullable<Text>,
        msg_id -> Text,
        barcode -> Text,
        resolution -> Text,
        object_id -> Nullable<Text>,
        action -> Text,
        answer -> Text,
    }
}

diesel::table! {
    label_prints (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        kind -> Text,
        reprint -> Bool,
        format -> Text,
        object_ids -> Text,
    }
}

diesel::table! {
    instance_identity (id) {
        id -> Integer,
        instance_id -> Text,
        public_key -> Text,
        secret_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    global_link (id) {
        id -> Integer,
        url -> Text,
        instance_key -> Text,
        enrolled_at -> Timestamp,
    }
}

// The relay wing's tables (the puller of the global service's scan relay); never joined with
// another table.
diesel::table! {
    relay_state (id) {
        id -> Integer,
        holder -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_pull_at -> Nullable<Timestamp>,
        last_confirm_at -> Nullable<Timestamp>,
        backlog -> Nullable<BigInt>,
        applied -> BigInt,
        errors -> BigInt,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    relay_inbox (id) {
        id -> BigInt,
        device_id -> Text,
        msg_id -> Text,
        barcode -> Text,
        received_at -> Timestamp,
        pulled_at -> Timestamp,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    relay_errors (id) {
        id -> BigInt,
        at -> Timestamp,
        device_id -> Text,
        msg_id -> Text,
        barcode -> Text,
        code -> Text,
        message -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        secret -> Text,
        filter -> Text,
        batch_size -> Integer,
        enabled -> Bool,
        failures -> Integer,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        cursor_seq -> BigInt,
        next_attempt_at -> Nullable<Timestamp>,
        lease_holder -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    roles (name) {
        name -> Text,
        description -> Text,
        permissions -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        username_key -> Text,
        display_name -> Text,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        pin_hash -> Nullable<Text>,
        last_login_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    failed_logins (id) {
        id -> BigInt,
        subject -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        event -> Text,
        actor -> Nullable<Text>,
        address -> Nullable<Text>,
        request_id -> Nullable<Text>,
        subject -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        name -> Text,
        public_key -> Text,
        status -> Text,
        role -> Nullable<Text>,
        version -> BigInt,
        registered_at -> Timestamp,
        updated_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    device_challenges (nonce) {
        nonce -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    device_operators (device_id) {
        device_id -> Text,
        user_id -> Text,
        started_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    device_signatures (hash) {
        hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(racks -> warehouses (warehouse_id));
diesel::joinable!(box_barcodes -> boxes (box_id));
diesel::joinable!(places -> warehouses (warehouse_id));
diesel::joinable!(item_barcodes -> items (item_id));
diesel::joinable!(item_actions -> items (item_id));
diesel::joinable!(rma_declared -> orders (order_id));
diesel::joinable!(place_roles -> places (place_id));
diesel::joinable!(repair_results -> item_actions (seq));
diesel::joinable!(ledger_refs -> ledger (seq));
diesel::joinable!(users -> roles (role));
diesel::joinable!(sessions -> users (user_id));
// No foreign key behind it (keys older than roles): joined with a LEFT JOIN.
diesel::joinable!(api_keys -> roles (role));
diesel::joinable!(devices -> roles (role));
diesel::joinable!(device_operators -> users (user_id));
diesel::joinable!(device_operators -> devices (device_id));

diesel::allow_tables_to_appear_in_same_query!(
    id_counters,
    warehouses,
    racks,
    places,
    orders,
    boxes,
    items,
    item_barcodes,
    item_actions,
    ledger,
    ledger_refs,
    api_keys,
    idempotency_keys,
    box_barcodes,
    scan_sessions,
    scans,
    label_prints,
    instance_identity,
    global_link,
    webhooks,
    roles,
    users,
    sessions,
    failed_logins,
    audit_log,
    devices,
    device_challenges,
    device_signatures,
    device_operators,
    rma_declared,
    place_roles,
    repair_results,
);
