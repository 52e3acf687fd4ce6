import Foundation

/// The county's schema, versioned: each migration runs once, in order, in one transaction, and records its
/// number in `schema_version`. Append-only: never edit a released migration, add the next.
public enum CountySchema {
    public static let migrations: [(version: Int, sql: String)] = [(1, v1)]
    public static var latestVersion: Int { migrations.last!.version }

    /// The statements of a migration, one at a time: the extended protocol postgres-nio speaks takes one per query.
    /// A statement ends at a line ending in `;` outside a `$$` function body.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = [], current: [Substring] = [], inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current.append(line)
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    /// v1: gates, entries partitioned by UTC day, quarantine, anchors, heartbeats, and the ingest function.
    ///
    /// `time` stays the gate's exact double (epoch seconds): the row hash covers its bit pattern, so the county can
    /// re-check a row only if it keeps it. The day partitions are ranges of it. A partitioned table's unique keys
    /// must include the partition key, so the primary key is (gate_id, seq, time); that (gate_id, seq) is unique is
    /// enforced by `county_ingest`, which serialises each gate on its `gates` row and never inserts at or below the
    /// gate's acknowledged seq (`ON CONFLICT DO NOTHING` stays as the second guard for exact re-deliveries).
    static let v1 = """
        CREATE TABLE gates (
            gate_id text PRIMARY KEY,
            venue text,
            venue_kind text,
            address text,
            approved_capacity integer,
            anchor_key text,
            first_seen timestamptz NOT NULL DEFAULT now(),
            last_heartbeat timestamptz,
            heartbeat_interval_s integer,
            last_status text,
            lag_rows bigint,
            bundle_version integer,
            chain_start_seq bigint,
            contiguous_seq bigint NOT NULL DEFAULT 0,
            received_seq bigint NOT NULL DEFAULT 0,
            head_hash bytea,
            chain_status text NOT NULL DEFAULT 'ok' CHECK (chain_status IN ('ok', 'broken')),
            broken_seq bigint,
            broken_detail text,
            broken_at timestamptz
        );

        CREATE TABLE entries (
            gate_id text NOT NULL,
            seq bigint NOT NULL,
            time double precision NOT NULL,
            utc_offset integer NOT NULL,
            kind text NOT NULL,
            decision text NOT NULL,
            reasons text NOT NULL,
            event text,
            format text,
            issuer text,
            colour text,
            masked_name text,
            masked_id text,
            subject_id text,
            nat_age_hours double precision,
            vaccination_doses bigint,
            temperature double precision,
            remeasured_temperature double precision,
            occupancy_after bigint,
            clock_synced bigint NOT NULL,
            fingerprint text,
            rules text NOT NULL,
            detail text,
            checkpoint_through_seq bigint,
            checkpoint_count bigint,
            checkpoint_hash bytea,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (gate_id, seq, time)
        ) PARTITION BY RANGE (time);
        -- trace: the case's attempts by subject, then each venue's gates around each attempt.
        CREATE INDEX entries_subject ON entries (subject_id, time) WHERE subject_id IS NOT NULL;
        CREATE INDEX entries_gate_time ON entries (gate_id, time);
        CREATE INDEX entries_fingerprint ON entries (fingerprint) WHERE fingerprint IS NOT NULL;

        -- Rows of a gate whose chain did not continue: kept, never merged into entries, until someone looks.
        CREATE TABLE quarantine (
            gate_id text NOT NULL,
            seq bigint NOT NULL,
            hash bytea NOT NULL,
            row jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (gate_id, seq, hash)
        );

        -- The gates' signed chain heads (anchors.jsonl), each line once.
        CREATE TABLE anchors (
            gate_id text NOT NULL,
            seq bigint NOT NULL,
            hash bytea NOT NULL,
            row_time double precision NOT NULL,
            written_at double precision NOT NULL,
            public_key text NOT NULL,
            signature text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (gate_id, seq, written_at)
        );

        CREATE TABLE heartbeats (
            gate_id text NOT NULL,
            at timestamptz NOT NULL,
            status text,
            lag_rows bigint,
            bundle_version integer,
            PRIMARY KEY (gate_id, at)
        );

        -- One partition per UTC day of `time`, made when the first row of that day arrives. The advisory lock
        -- serialises the uplinks creating one; it is taken before the batch inserts anything.
        CREATE FUNCTION county_ensure_partition(p_day bigint) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            name text := 'entries_' || to_char(to_timestamp(p_day * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD');
        BEGIN
            IF to_regclass(name) IS NULL THEN
                PERFORM pg_advisory_xact_lock(hashtext('county_ensure_partition'));
                -- The catalog lookup above may not see a partition another uplink committed while we waited.
                BEGIN
                    EXECUTE format('CREATE TABLE %I PARTITION OF entries FOR VALUES FROM (%s) TO (%s)',
                                   name, p_day * 86400, (p_day + 1) * 86400);
                EXCEPTION WHEN duplicate_table THEN
                    NULL;
                END;
            END IF;
        END $$;

        -- One batch from one gate, rows in any order. Answers the highest seq up to which the county holds the gate's
        -- chain without a gap or a broken link (contiguous_seq), the highest seq it has received at all (into
        -- entries or quarantine: the uplink's watermark), and the gate's chain status.
        CREATE FUNCTION county_ingest(p_gate text, p_rows jsonb)
        RETURNS TABLE (contiguous_seq bigint, received_seq bigint, chain_status text) LANGUAGE plpgsql AS $$
        DECLARE
            g gates%ROWTYPE;
            r record;
            d bigint;
            existing bytea;
            problem text;
        BEGIN
            INSERT INTO gates (gate_id) VALUES (p_gate) ON CONFLICT DO NOTHING;
            SELECT * INTO g FROM gates WHERE gates.gate_id = p_gate FOR UPDATE;
            FOR d IN SELECT DISTINCT floor((e->>'time')::float8 / 86400)::bigint FROM jsonb_array_elements(p_rows) e LOOP
                PERFORM county_ensure_partition(d);
            END LOOP;
            FOR r IN SELECT * FROM jsonb_to_recordset(p_rows) AS x(
                    seq bigint, gate_id text, time float8, utc_offset integer, kind text, decision text, reasons text,
                    event text, format text, issuer text, colour text, masked_name text, masked_id text, subject_id text,
                    nat_age_hours float8, vaccination_doses bigint, temperature float8, remeasured_temperature float8,
                    occupancy_after bigint, clock_synced bigint, fingerprint text, rules text, detail text,
                    checkpoint_through_seq bigint, checkpoint_count bigint, checkpoint_hash text, prev_hash text, hash text,
                    content_matches boolean)
                ORDER BY seq
            LOOP
                problem := NULL;
                IF r.gate_id IS DISTINCT FROM p_gate THEN
                    problem := format('row %s names gate %s', r.seq, r.gate_id);
                ELSIF r.content_matches IS FALSE THEN
                    -- The uplink recomputed the row's hash on the gate: the row was edited in place.
                    problem := format('row %s does not match its own hash: edited on the gate', r.seq);
                ELSIF g.chain_status = 'ok' AND g.contiguous_seq > 0 AND r.seq <= g.contiguous_seq THEN
                    -- A re-delivery (the uplink died before it stored the answer): the same hash is a no-op.
                    SELECT e.hash INTO existing FROM entries e WHERE e.gate_id = p_gate AND e.seq = r.seq;
                    IF existing IS NULL OR existing = decode(r.hash, 'hex') THEN CONTINUE; END IF;
                    problem := format('row %s was sent again with another hash: the gate''s log was rewritten', r.seq);
                ELSIF g.chain_status = 'ok' AND g.contiguous_seq > 0 AND r.seq > g.contiguous_seq + 1 THEN
                    problem := format('rows %s to %s are missing', g.contiguous_seq + 1, r.seq - 1);
                ELSIF g.chain_status = 'ok' AND g.contiguous_seq > 0 AND decode(r.prev_hash, 'hex') <> g.head_hash THEN
                    problem := format('row %s does not link to row %s', r.seq, g.contiguous_seq);
                END IF;
                IF problem IS NOT NULL AND g.chain_status = 'ok' THEN
                    g.chain_status := 'broken'; g.broken_seq := r.seq; g.broken_detail := problem; g.broken_at := now();
                END IF;
                IF g.chain_status = 'broken' THEN
                    INSERT INTO quarantine (gate_id, seq, hash, row) VALUES (p_gate, r.seq, decode(r.hash, 'hex'), to_jsonb(r))
                    ON CONFLICT DO NOTHING;
                ELSE
                    INSERT INTO entries (gate_id, seq, time, utc_offset, kind, decision, reasons, event, format, issuer,
                        colour, masked_name, masked_id, subject_id, nat_age_hours, vaccination_doses, temperature,
                        remeasured_temperature, occupancy_after, clock_synced, fingerprint, rules, detail,
                        checkpoint_through_seq, checkpoint_count, checkpoint_hash, prev_hash, hash)
                    VALUES (p_gate, r.seq, r.time, r.utc_offset, r.kind, r.decision, r.reasons, r.event, r.format, r.issuer,
                        r.colour, r.masked_name, r.masked_id, r.subject_id, r.nat_age_hours, r.vaccination_doses,
                        r.temperature, r.remeasured_temperature, r.occupancy_after, r.clock_synced, r.fingerprint, r.rules,
                        r.detail, r.checkpoint_through_seq, r.checkpoint_count, decode(r.checkpoint_hash, 'hex'),
                        decode(r.prev_hash, 'hex'), decode(r.hash, 'hex'))
                    ON CONFLICT DO NOTHING;
                    IF g.contiguous_seq = 0 THEN g.chain_start_seq := r.seq; END IF;
                    g.contiguous_seq := r.seq;
                    g.head_hash := decode(r.hash, 'hex');
                END IF;
                g.received_seq := greatest(g.received_seq, r.seq);
            END LOOP;
            UPDATE gates SET contiguous_seq = g.contiguous_seq, received_seq = g.received_seq, head_hash = g.head_hash,
                chain_start_seq = g.chain_start_seq, chain_status = g.chain_status, broken_seq = g.broken_seq,
                broken_detail = g.broken_detail, broken_at = g.broken_at
            WHERE gates.gate_id = p_gate;
            RETURN QUERY SELECT g.contiguous_seq, g.received_seq, g.chain_status;
        END $$;
        """
}
