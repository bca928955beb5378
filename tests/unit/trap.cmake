# Trap intake: PET decoding, the accept/drop policy, the trap configuration.
bl_unit_test(test_pet SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pet.c)
bl_unit_test(test_trap SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap.c)
bl_unit_test(test_trap_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap_config.c)
bl_unit_test(test_trap_receiver SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trap_receiver.c
             LIBS bmclink_trap)
