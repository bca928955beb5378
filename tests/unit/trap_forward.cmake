# Trap forwarding over SNMPv3 authPriv to a real snmptrapd (createUser / authUser), in a
# private network namespace (root; skips otherwise, or without snmptrapd).
add_test(NAME test_trap_forward_v3
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/trap_forward_v3.sh $<TARGET_FILE:trap_listen>)
set_tests_properties(test_trap_forward_v3 PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                     TIMEOUT 120)

# Forwarding as v2c informs: acknowledged by a manager that answers, lost (after the
# retransmissions) at one that does not. Loopback, no root; skips without snmptrap.
bl_unit_test(test_trap_inform SOURCES ${CMAKE_CURRENT_LIST_DIR}/trap_inform.c LIBS bmclink_trap)
