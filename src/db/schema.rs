//! Diesel's view of the tables; both backends share it, so only shared types appear here.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        credential_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        credential_version -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    auth_failures (id) {
        id -> Text,
        account -> Text,
        peer -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));

diesel::table! {
    surveys (id) {
        id -> Text,
        owner_id -> Text,
        title -> Text,
        intro -> Text,
        thank_you -> Text,
        language -> Text,
        status -> Text,
        anonymous -> Bool,
        invitation_only -> Bool,
        opens_at -> Nullable<Timestamp>,
        closes_at -> Nullable<Timestamp>,
        incentive -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_reminders -> Integer,
        audience -> Text,
        focus_group_opt_in -> Bool,
    }
}

diesel::table! {
    questions (survey_id, id) {
        survey_id -> Text,
        id -> Text,
        position -> Integer,
        spec -> Text,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        survey_id -> Text,
        contact_id -> Nullable<Text>,
        token_hash -> Text,
        status -> Text,
        created_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        reminders -> Integer,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        survey_id -> Text,
        invitation_id -> Nullable<Text>,
        contact_id -> Nullable<Text>,
        submission_key -> Text,
        payload_digest -> Text,
        channel -> Text,
        submitted_at -> Timestamp,
        score -> Nullable<Text>,
        figures -> Nullable<Text>,
    }
}

diesel::table! {
    question_tallies (survey_id, question_id, part, item, value) {
        survey_id -> Text,
        question_id -> Text,
        part -> Text,
        item -> Text,
        value -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    text_terms (survey_id, question_id) {
        survey_id -> Text,
        question_id -> Text,
        responses -> BigInt,
        counted_at -> Timestamp,
        terms -> Text,
    }
}

diesel::table! {
    survey_tallies (survey_id) {
        survey_id -> Text,
        responses -> BigInt,
        stale -> Bool,
    }
}

diesel::table! {
    answers (response_id, question_id) {
        response_id -> Text,
        question_id -> Text,
        value -> Text,
    }
}

diesel::table! {
    response_drafts (invitation_id) {
        invitation_id -> Text,
        answers -> Text,
        updated_at -> Timestamp,
        page -> Integer,
    }
}

diesel::joinable!(surveys -> users (owner_id));
diesel::joinable!(questions -> surveys (survey_id));
diesel::joinable!(invitations -> surveys (survey_id));
diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(answers -> responses (response_id));

diesel::table! {
    contacts (id) {
        id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        language -> Nullable<Text>,
        attributes -> Text,
        opted_out_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    suppressions (email_digest) {
        email_digest -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        contact_id -> Nullable<Text>,
        invitation_id -> Nullable<Text>,
        payload -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_by_start -> Nullable<Timestamp>,
    }
}

diesel::joinable!(outbox -> contacts (contact_id));
diesel::joinable!(outbox -> invitations (invitation_id));

diesel::table! {
    coupons (code) {
        code -> Text,
        survey_id -> Text,
        added_at -> Timestamp,
        grant_id -> Nullable<Text>,
        issued_at -> Nullable<Timestamp>,
        redeemed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    coupon_grants (id) {
        id -> Text,
        survey_id -> Text,
        response_id -> Nullable<Text>,
        invitation_id -> Nullable<Text>,
        owed_since -> Timestamp,
    }
}

diesel::table! {
    coupon_stock (survey_id) {
        survey_id -> Text,
        added -> BigInt,
        remaining -> BigInt,
        low_stock_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    draws (survey_id) {
        survey_id -> Text,
        seed -> Text,
        commitment -> Text,
        tickets -> BigInt,
        status -> Text,
        created_at -> Timestamp,
        drawn_at -> Nullable<Timestamp>,
        beacon_value -> Nullable<Text>,
        entrants -> Nullable<BigInt>,
        entrants_digest -> Nullable<Text>,
        winners -> Nullable<Text>,
    }
}

diesel::table! {
    draw_entries (survey_id, ticket) {
        survey_id -> Text,
        ticket -> BigInt,
        receipt -> Text,
        response_id -> Nullable<Text>,
        invitation_id -> Nullable<Text>,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        customer_name -> Text,
        customer_address -> Nullable<Text>,
        customer_phone -> Nullable<Text>,
        customer_email -> Nullable<Text>,
        contact_id -> Nullable<Text>,
        received_by -> Text,
        owner_id -> Text,
        received_at -> Timestamp,
        channel -> Nullable<Text>,
        category -> Text,
        nature -> Text,
        agreed_solution -> Nullable<Text>,
        solved_on_spot -> Bool,
        promised_at -> Nullable<Timestamp>,
        steps_taken -> Nullable<Text>,
        follow_up_at -> Nullable<Timestamp>,
        followed_up_at -> Nullable<Timestamp>,
        customer_satisfied -> Nullable<Bool>,
        compensation -> Nullable<Text>,
        prevention -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        status -> Text,
        reminded_for -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    complaint_changes (complaint_id, seq) {
        complaint_id -> Text,
        seq -> BigInt,
        at -> Timestamp,
        by_user -> Nullable<Text>,
        by_name -> Text,
        changes -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tag_links (tag_id, kind, target, question_id) {
        tag_id -> Text,
        kind -> Text,
        target -> Text,
        question_id -> Text,
        survey_id -> Nullable<Text>,
        happened_at -> Timestamp,
        linked_at -> Timestamp,
    }
}

diesel::joinable!(tag_links -> tags (tag_id));

diesel::table! {
    focus_groups (id) {
        id -> Text,
        owner_id -> Text,
        title -> Text,
        topic -> Text,
        audience -> Text,
        scheduled_at -> Timestamp,
        duration_minutes -> Integer,
        location -> Nullable<Text>,
        guide -> Text,
        sequence -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    focus_participants (id) {
        id -> Text,
        focus_group_id -> Text,
        number -> Integer,
        name -> Text,
        email -> Nullable<Text>,
        contact_id -> Nullable<Text>,
        consent -> Bool,
        consent_at -> Nullable<Timestamp>,
        consent_wording -> Nullable<Text>,
        created_at -> Timestamp,
        invited_at -> Nullable<Timestamp>,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    focus_volunteers (survey_id, contact_id) {
        survey_id -> Text,
        contact_id -> Text,
        volunteered_at -> Timestamp,
    }
}

diesel::table! {
    focus_notes (id) {
        id -> Text,
        focus_group_id -> Text,
        kind -> Text,
        text -> Text,
        guide_item -> Nullable<Integer>,
        participant_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    api_tokens,
    auth_failures,
    setup_tokens,
    surveys,
    questions,
    invitations,
    responses,
    answers,
    response_drafts,
    contacts,
    suppressions,
    outbox,
    coupons,
    coupon_grants,
    coupon_stock,
    draws,
    draw_entries,
    question_tallies,
    survey_tallies,
    text_terms,
    complaints,
    complaint_changes,
    tags,
    tag_links,
    focus_groups,
    focus_participants,
    focus_notes,
    focus_volunteers,
);
