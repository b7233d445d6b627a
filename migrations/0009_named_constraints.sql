-- Issue 14: every unique and check constraint has a name we chose. The code turns a violation
-- into a domain error by the constraint's name (gpet::db::constraint), and a name PostgreSQL
-- made up from the columns (users_phone_key) would change with a column's name or the order of
-- a table's checks. Renaming keeps each constraint as it is; a unique constraint's index takes
-- the new name with it.

-- What the code matches on.
ALTER TABLE users RENAME CONSTRAINT users_phone_key TO users_phone_unique;
ALTER TABLE operators RENAME CONSTRAINT operators_username_key TO operators_username_unique;
ALTER TABLE operators RENAME CONSTRAINT operators_username_check TO operators_username_format;

-- The rest, named after the rule each one keeps.
ALTER TABLE users RENAME CONSTRAINT users_openid_key TO users_openid_unique;
ALTER TABLE users RENAME CONSTRAINT users_invite_code_key TO users_invite_code_unique;
ALTER TABLE users RENAME CONSTRAINT users_phone_check TO users_phone_format;
ALTER TABLE users RENAME CONSTRAINT users_id_number_masked_check TO users_id_number_masked_format;
ALTER TABLE user_sessions RENAME CONSTRAINT user_sessions_oauth_code_hash_key TO user_sessions_oauth_code_once;
ALTER TABLE operators RENAME CONSTRAINT operators_role_check TO operators_role_known;
ALTER TABLE tracking_events RENAME CONSTRAINT tracking_events_source_check TO tracking_events_source_known;

ALTER TABLE sensitive_words RENAME CONSTRAINT sensitive_words_normalized_key TO sensitive_words_normalized_unique;
ALTER TABLE sensitive_words RENAME CONSTRAINT sensitive_words_normalized_check TO sensitive_words_normalized_length;
ALTER TABLE short_links RENAME CONSTRAINT short_links_code_key TO short_links_code_unique;
ALTER TABLE short_links RENAME CONSTRAINT short_links_kind_check TO short_links_kind_known;
ALTER TABLE short_links RENAME CONSTRAINT short_links_url_check TO short_links_url_length;
ALTER TABLE daily_activity RENAME CONSTRAINT daily_activity_active_users_check TO daily_activity_active_users_not_negative;
ALTER TABLE marquees RENAME CONSTRAINT marquees_text_check TO marquees_text_length;
ALTER TABLE marquees RENAME CONSTRAINT marquees_check TO marquees_ends_after_start;

ALTER TABLE robots RENAME CONSTRAINT robots_platform_id_key TO robots_platform_id_unique;
ALTER TABLE robots RENAME CONSTRAINT robots_platform_id_check TO robots_platform_id_length;
ALTER TABLE robots RENAME CONSTRAINT robots_wxid_key TO robots_wxid_unique;
ALTER TABLE robots RENAME CONSTRAINT robots_wxid_check TO robots_wxid_length;
ALTER TABLE robots RENAME CONSTRAINT robots_nickname_check TO robots_nickname_length;
ALTER TABLE robots RENAME CONSTRAINT robots_qr_code_url_check TO robots_qr_code_url_length;
ALTER TABLE robots RENAME CONSTRAINT robots_capacity_check TO robots_capacity_range;
ALTER TABLE robot_snapshots RENAME CONSTRAINT robot_snapshots_free_places_check TO robot_snapshots_free_places_not_negative;
ALTER TABLE pairing_codes RENAME CONSTRAINT pairing_codes_code_check TO pairing_codes_code_format;
ALTER TABLE groups RENAME CONSTRAINT groups_group_wxid_key TO groups_group_wxid_unique;
ALTER TABLE groups RENAME CONSTRAINT groups_state_check TO groups_state_known;
ALTER TABLE groups RENAME CONSTRAINT groups_check TO groups_exited_unless_active;
ALTER TABLE groups RENAME CONSTRAINT groups_member_count_check TO groups_member_count_not_negative;
ALTER TABLE groups RENAME CONSTRAINT groups_stars_check TO groups_stars_range;
ALTER TABLE group_daily RENAME CONSTRAINT group_daily_sessions_check TO group_daily_sessions_not_negative;
ALTER TABLE group_daily RENAME CONSTRAINT group_daily_speakers_check TO group_daily_speakers_not_negative;
ALTER TABLE group_daily RENAME CONSTRAINT group_daily_stars_check TO group_daily_stars_range;
ALTER TABLE group_owners RENAME CONSTRAINT group_owners_check TO group_owners_until_after_since;
ALTER TABLE keywords RENAME CONSTRAINT keywords_keyword_check TO keywords_keyword_length;
ALTER TABLE keywords RENAME CONSTRAINT keywords_reply_check TO keywords_reply_length;
ALTER TABLE broadcasts RENAME CONSTRAINT broadcasts_send_at_check TO broadcasts_send_at_whole_minute;
ALTER TABLE broadcasts RENAME CONSTRAINT broadcasts_state_check TO broadcasts_state_known;
ALTER TABLE campaigns RENAME CONSTRAINT campaigns_name_check TO campaigns_name_length;
ALTER TABLE campaigns RENAME CONSTRAINT campaigns_min_stars_check TO campaigns_min_stars_range;
ALTER TABLE campaigns RENAME CONSTRAINT campaigns_state_check TO campaigns_state_known;
ALTER TABLE deliveries RENAME CONSTRAINT deliveries_task_kind_check TO deliveries_task_kind_known;
ALTER TABLE deliveries RENAME CONSTRAINT deliveries_state_check TO deliveries_state_known;
ALTER TABLE dead_letters RENAME CONSTRAINT dead_letters_message_id_key TO dead_letters_message_id_unique;

ALTER TABLE accounts RENAME CONSTRAINT accounts_kind_check TO accounts_kind_known;
ALTER TABLE ledger_txns RENAME CONSTRAINT ledger_txns_idem_key_key TO ledger_txns_idem_key_unique;
ALTER TABLE ledger_entries RENAME CONSTRAINT ledger_entries_amount_fen_check TO ledger_entries_amount_not_zero;
ALTER TABLE ad_clicks RENAME CONSTRAINT ad_clicks_amount_fen_check TO ad_clicks_amount_positive;
ALTER TABLE settlement_runs RENAME CONSTRAINT settlement_runs_state_check TO settlement_runs_state_known;
ALTER TABLE settlement_runs RENAME CONSTRAINT settlement_runs_step_width_check TO settlement_runs_step_width_positive;
ALTER TABLE settlement_runs RENAME CONSTRAINT settlement_runs_steps_total_check TO settlement_runs_steps_total_not_negative;
ALTER TABLE settlement_steps RENAME CONSTRAINT settlement_steps_txn_id_key TO settlement_steps_txn_once;
ALTER TABLE withdrawals RENAME CONSTRAINT withdrawals_amount_fen_check TO withdrawals_amount_positive;
ALTER TABLE withdrawals RENAME CONSTRAINT withdrawals_attempt_check TO withdrawals_attempt_positive;
ALTER TABLE withdrawals RENAME CONSTRAINT withdrawals_out_bill_no_key TO withdrawals_out_bill_no_unique;
ALTER TABLE withdrawals RENAME CONSTRAINT withdrawals_state_check TO withdrawals_state_known;
ALTER TABLE payout_attempts RENAME CONSTRAINT payout_attempts_withdrawal_id_attempt_key TO payout_attempts_once_per_attempt;
ALTER TABLE deploys RENAME CONSTRAINT deploys_id_check TO deploys_id_length;
ALTER TABLE ledger_audit_checkpoint RENAME CONSTRAINT ledger_audit_checkpoint_id_check TO ledger_audit_checkpoint_one_row;

-- An order number's state had no check: the code writes these five (gpet::payouts::AttemptState),
-- the reconciliation compares them with WeChat Pay's, and nothing else may appear.
ALTER TABLE payout_attempts ADD CONSTRAINT payout_attempts_state_known
    CHECK (state IN ('pending', 'submitted', 'success', 'failed', 'rejected'));
