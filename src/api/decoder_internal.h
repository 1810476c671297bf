/* The decoder's state and the pieces of its decode path that other output
 * forms reuse (the avro-c bridge, src/api/decoder_avro.c): the schema
 * lookup (memo, then the client's cache), the frame check of the *_frame
 * calls and the hints added to a failed walk. Every output form looks its
 * schema up and reports failures exactly as cfavro_decode_json does. */
#ifndef CFAVRO_DECODER_INTERNAL_H
#define CFAVRO_DECODER_INTERNAL_H

#include "batch_errors_internal.h"
#include "cache_internal.h"
#include "cfavro.h"
#include "ext_internal.h"
#include "json_write_internal.h"
#include "memo_internal.h"
#include "reader_internal.h"
#include "settings_internal.h"
#include "stats_internal.h"
#include "walk_internal.h"

struct cfavro_decoder {
    cfavro_client *client; /* borrowed */
    cf_options opt;
    cf_buf out;
    cfavro_error err;
    /* The schemas used last, each with a cache reference: consecutive
     * messages nearly always share an id (or a few), so they skip even the
     * lock-free cache probe and touch nothing another thread writes. */
    cf_memo memo;
    cf_batch_errors batch; /* per-message failures of the last batch */
    cf_walk_keys keys;     /* the walker's map-key scratch, kept warm */
    /* The avro-c bridge's per-decoder state (its scratch and values), made
     * on first use; NULL until then and in builds without the bridge. */
    cf_ext *avro;
    /* The reader schema messages are resolved to: the client's, the
     * decoder's own (reader.schema set on it) or none (source NULL). */
    cf_reader_binding reader;
    /* Messages and lookups counted for cfavro_client_stats; this decoder
     * is on its client's list of live decoders from _new to _free. */
    cf_decoder_stats stats;
};

/* The READY entry for `key`: the decoder's memo, then the client's cache
 * (and on a miss its sources). The entry stays referenced by the memo at
 * least until the next lookup. On failure dec->err says why. */
int cf_decoder_lookup(cfavro_decoder *dec, const cf_schema_key *key, const cf_cache_entry **out);

/* The program to walk entry `e` (just returned by cf_decoder_lookup) with:
 * its own schema, or with a reader schema the program resolved from it to
 * the reader (built once per pair and cached on the entry). An incompatible
 * pair fails with the status and path remembered for it (dec->err). */
int cf_decoder_program(cfavro_decoder *dec, const cf_cache_entry *e, const cf_schema **out);

/* CFAVRO_OK when `frame` (may be NULL) can be decoded, else an argument
 * error in dec->err naming `fn`. */
int cf_decoder_check_frame(cfavro_decoder *dec, const char *fn, const cfavro_frame *frame);

/* After a walk of frame's payload with entry `e` failed (dec->err filled):
 * add the hints cfavro_decode_json adds (an unstripped header in header
 * mode, an encryption rule on the schema). */
void cf_decoder_explain_failure(cfavro_decoder *dec, const cf_cache_entry *e,
                                const cfavro_frame *frame);

#endif
