# Service chain and shared volume: unit tests (cmocka, one file per module), the test member
# daemon they and the agent tests run, and the local agent tests (tests/chain/t-*.sh).
add_executable(bl-test-member ${PROJECT_SOURCE_DIR}/tests/members/bl_test_member.c)
set_target_properties(bl-test-member PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)

file(GLOB _chain_unit_tests CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_LIST_DIR}/test_chain*.c ${CMAKE_CURRENT_LIST_DIR}/test_volume*.c)
foreach(_src IN LISTS _chain_unit_tests)
    get_filename_component(_t ${_src} NAME_WE)
    bl_unit_test(${_t} SOURCES ${_src} LIBS bmclink_chain)
    target_compile_definitions(${_t} PRIVATE
        BL_TEST_MEMBER="$<TARGET_FILE:bl-test-member>" BL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    add_dependencies(${_t} bl-test-member)
endforeach()

# Agent tests: the built agent against real test members, ocf-tester included. They need
# root (private mount and PID namespaces) and skip with 77 otherwise.
if(TARGET servicechain AND TARGET bmclink-cli)
    # t-registry runs the real bmclinkd and bmclink-reg (a one-node Corosync on loopback).
    set(_chain_reg_env "")
    if(TARGET bmclinkd AND TARGET bmclink-reg)
        set(_chain_reg_env ";BL_BMCLINKD=$<TARGET_FILE:bmclinkd>;BL_REG_CLI=$<TARGET_FILE:bmclink-reg>")
    endif()
    file(GLOB _chain_agent_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/chain/t-*.sh)
    foreach(_script IN LISTS _chain_agent_tests)
        get_filename_component(_name ${_script} NAME_WE)
        add_test(NAME chain_${_name} COMMAND ${_script})
        set_tests_properties(chain_${_name} PROPERTIES
            SKIP_RETURN_CODE 77 LABELS "chain;agent" TIMEOUT 300
            ENVIRONMENT "BL_AGENT=$<TARGET_FILE:servicechain>;BL_CLI=$<TARGET_FILE:bmclink-cli>;BL_TEST_MEMBER=$<TARGET_FILE:bl-test-member>;BL_SOURCE_DIR=${PROJECT_SOURCE_DIR}${_chain_reg_env}")
    endforeach()
endif()
