/*
 * The source's side of a catch-up: turn a CATCHUP action of the state machine into the
 * messages that carry the missing writes (or a snapshot) to the lagging members.
 */
#ifndef BL_REG_CATCHUP_H
#define BL_REG_CATCHUP_H

#include "reg_sm.h"
#include "reg_store.h"

/**
 * Choose the log when every target can be caught up from it, else a snapshot, and emit
 * CU_BEGIN, CU_DATA... and CU_END, each encoded, in order.
 * \param[in] s     the source's store, with no open batch
 * \param[in] a     a BL_REG_ACT_CATCHUP action (tag, targets)
 * \param[in] chunk payload bytes per CU_DATA message
 * \param[in] emit  called with each encoded message (valid during the call)
 * \param[out] kind if not NULL: BL_REG_CU_LOG or BL_REG_CU_SNAPSHOT
 * \return 0, what emit returned, or a store error
 */
int bl_reg_catchup_build(struct bl_reg_store *s, const struct bl_reg_action *a, size_t chunk,
                         bl_reg_chunk_fn emit, void *data, uint32_t *kind);

#endif
