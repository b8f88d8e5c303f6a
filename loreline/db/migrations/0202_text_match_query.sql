-- The full-text branch of hybrid search matches rows on the question's rarest lexemes, so that its
-- cost (ranking every matching row) stays bounded however common the question's words are.
--
-- text_match_query(tsv_table, question, budget) returns the tsquery that selects the rows to rank:
-- the OR of the rarest lexemes of `question` whose estimated matching rows add up to at most
-- `budget`, else (even the rarest lexeme is too common) the AND of all its lexemes; NULL when the
-- question has no lexemes. Frequencies are PostgreSQL's own statistics of the table's `tsv` column
-- (pg_stats.most_common_elems, kept current by ANALYZE); a lexeme not listed there is taken to be
-- as frequent as the least frequent listed one; a table without statistics matches the OR of all.
-- plpgsql caches the plan of its query per connection, so callers do not pay for planning it.
CREATE OR REPLACE FUNCTION text_match_query(tsv_table regclass, question text, budget float8)
RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    all_terms tsquery := plainto_tsquery('english', coalesce(question, ''));
    rarest tsquery;
BEGIN
    IF numnode(all_terms) = 0 THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(
               '''' || replace(replace(ranked.lexeme, '\', '\\'), '''', '''''') || '''', ' | '
           )::tsquery
      INTO rarest
      FROM (SELECT terms.lexeme,
                   sum(terms.est_rows) OVER (ORDER BY terms.est_rows, terms.lexeme) AS cumulative
              FROM (SELECT t.lexeme,
                           coalesce(st.freqs[array_position(st.elems, t.lexeme)],
                                    st.freqs[cardinality(st.elems) + 1], 0)
                           * coalesce(st.row_estimate, 0) AS est_rows
                      FROM unnest(tsvector_to_array(to_tsvector('english', question))) AS t(lexeme)
                      LEFT JOIN (SELECT s.most_common_elems::text::text[] AS elems,
                                        s.most_common_elem_freqs AS freqs,
                                        greatest(c.reltuples, 0) AS row_estimate
                                   FROM pg_class c
                                   JOIN pg_namespace n ON n.oid = c.relnamespace
                                   JOIN pg_stats s ON s.schemaname = n.nspname
                                                  AND s.tablename = c.relname
                                  WHERE c.oid = tsv_table AND s.attname = 'tsv') st ON true
                   ) terms
           ) ranked
     WHERE ranked.cumulative <= budget;
    RETURN coalesce(rarest, all_terms);
END
$$;
