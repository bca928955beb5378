# Trap intake: PET decoding and the accept/drop policy (pure, no net-snmp here).
target_sources(bmclink PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/bl_pet.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_trap.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_trap_config.c
)
