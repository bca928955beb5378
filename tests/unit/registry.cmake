# Unit tests of the synchronized registry (resource/registry*, resource/reg_*).
bl_unit_test(test_reg_model SOURCES unit/test_reg_model.c LIBS blreg)
bl_unit_test(test_reg_wire SOURCES unit/test_reg_wire.c LIBS blreg)
bl_unit_test(test_reg_store SOURCES unit/test_reg_store.c LIBS blreg)
bl_unit_test(test_reg_text SOURCES unit/test_reg_text.c LIBS blreg)
bl_unit_test(test_reg_sm SOURCES unit/test_reg_sm.c unit/reg_sim.c LIBS blreg)

# Fuzz targets of the registry's hostile-input decoders (tests/fuzz). Without BMCLINK_FUZZ the
# same targets replay their seed corpora under CTest; with it (clang) they are libFuzzer
# binaries that tests/fuzz/run drives. They compile the registry's sources themselves, so the
# coverage instrumentation stays out of blreg and of everything else that links it.
get_target_property(_blreg_sources blreg SOURCES)
get_target_property(_blreg_includes blreg INCLUDE_DIRECTORIES)
foreach(name reg_wire reg_sm)
    set(src ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
    if(BMCLINK_FUZZ)
        add_executable(fuzz_${name} ${src} ${_blreg_sources})
        target_include_directories(fuzz_${name} PRIVATE ${_blreg_includes})
        target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_libraries(fuzz_${name} PRIVATE bmclink PkgConfig::SQLITE3)
    else()
        add_executable(replay_${name} ${src} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.c)
        target_link_libraries(replay_${name} PRIVATE blreg)
        add_test(NAME replay_${name}
                 COMMAND replay_${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${name})
        set_tests_properties(replay_${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS unit)
    endif()
endforeach()

# The registry against real Corosync: three nodes in private namespaces (needs root; about
# three minutes; skipped with 77 otherwise). Exclude with `ctest -LE integration`.
add_test(NAME reg_cluster_check COMMAND ${CMAKE_SOURCE_DIR}/scripts/bench/reg-bench-check)
set_tests_properties(reg_cluster_check PROPERTIES
    ENVIRONMENT "REG_BUILD=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77 LABELS integration TIMEOUT 900 RUN_SERIAL TRUE)
