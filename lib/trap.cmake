# Trap intake: PET decoding and the accept/drop policy (pure, no net-snmp here).
target_sources(bmclink PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/bl_pet.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_trap.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_trap_config.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_trap_replay.c
)

# Coverage for the trap fuzz target (tests/fuzz/CMakeLists.txt) reaches into our decoders.
if(BMCLINK_FUZZ)
    set_source_files_properties(
        ${CMAKE_CURRENT_LIST_DIR}/bl_pet.c ${CMAKE_CURRENT_LIST_DIR}/bl_trap.c
        PROPERTIES COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
endif()
