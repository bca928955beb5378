/* The attribute publisher's election (bmc_elect.h). */
#include "bmc_elect.h"

bool
bl_bmc_elected(uint32_t self, const uint32_t *members, size_t n, uint32_t *lowest)
{
    uint32_t low = 0;
    bool in = false;

    for (size_t i = 0; i < n; i++) {
        if (low == 0 || (members[i] != 0 && members[i] < low)) {
            low = members[i];
        }
        in = in || members[i] == self;
    }
    if (lowest != NULL) {
        *lowest = low;
    }
    return self != 0 && in && self == low;
}
