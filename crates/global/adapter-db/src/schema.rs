//! The diesel schema of the global database (one schema for both backends; times are BIGINT
//! microseconds since the Unix epoch, UTC).

diesel::table! {
    enrollment_tokens (token_hash) {
        token_hash -> Text,
        name -> Text,
        tier -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        instance_id -> Nullable<Text>,
    }
}

diesel::table! {
    instances (id) {
        id -> Text,
        name -> Text,
        tier -> Text,
        status -> Text,
        key_hash -> Text,
        server_public_key -> Text,
        local_ips -> Text,
        port -> Integer,
        public_addr -> Nullable<Text>,
        registered_at -> BigInt,
        last_seen -> BigInt,
    }
}

diesel::table! {
    pairing_tokens (token_hash) {
        token_hash -> Text,
        instance_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    device_challenges (nonce_hash) {
        nonce_hash -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        instance_id -> Text,
        name -> Text,
        public_key -> Text,
        status -> Text,
        registered_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    relay_scans (id) {
        id -> BigInt,
        instance_id -> Text,
        device_id -> Text,
        msg_id -> Text,
        barcode -> Text,
        state -> Text,
        received_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        deliveries -> Integer,
        confirmed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    global_identity (id) {
        id -> Integer,
        secret_seed -> Text,
        public_key -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    public_views (instance_id, object_id) {
        instance_id -> Text,
        object_id -> Text,
        view -> Nullable<Text>,
        fetched_at -> BigInt,
    }
}

diesel::joinable!(pairing_tokens -> instances (instance_id));
diesel::joinable!(public_views -> instances (instance_id));
diesel::joinable!(devices -> instances (instance_id));
diesel::joinable!(relay_scans -> instances (instance_id));

diesel::allow_tables_to_appear_in_same_query!(
    enrollment_tokens,
    instances,
    pairing_tokens,
    device_challenges,
    devices,
    relay_scans,
    global_identity,
    public_views,
);
