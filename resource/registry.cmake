# The synchronized registry (docs/registry.md): data model, wire codec, SQLite replica,
# replication state machine, .reg text format, IPC codec and client. Linked by bmclinkd,
# bmclink-reg and the unit tests; everything here is plain functions over explicit structs.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET GLOBAL sqlite3)

file(GLOB _blreg_sources CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_LIST_DIR}/registry.c
    ${CMAKE_CURRENT_LIST_DIR}/reg_*.c)
add_library(blreg STATIC ${_blreg_sources})
target_include_directories(blreg PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(blreg PUBLIC bmclink PkgConfig::SQLITE3 PkgConfig::GLIB PkgConfig::QB)
set_target_properties(blreg PROPERTIES POSITION_INDEPENDENT_CODE ON)


# The registry's load generator for scripts/bench/reg-bench (not installed).
add_executable(reg-bench ${CMAKE_SOURCE_DIR}/scripts/bench/reg-bench.c)
target_link_libraries(reg-bench PRIVATE blreg)

# The same measurements through Pacemaker's CIB, for the side-by-side figures.
pkg_check_modules(PCMK_CIB IMPORTED_TARGET pacemaker-cib pacemaker)
if(PCMK_CIB_FOUND)
    add_executable(reg-bench-cib ${CMAKE_SOURCE_DIR}/scripts/bench/reg-bench-cib.c)
    target_link_libraries(reg-bench-cib PRIVATE PkgConfig::PCMK_CIB PkgConfig::GLIB)
    target_compile_options(reg-bench-cib PRIVATE -Wno-missing-prototypes -Wno-strict-prototypes)
endif()
