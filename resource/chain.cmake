# Service chain and shared-volume logic (ocf:bmclink:servicechain, `bmclink chain`): a static
# library linked by the agent, the CLI and the unit tests.
file(GLOB _chain_sources CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_LIST_DIR}/chain*.c ${CMAKE_CURRENT_LIST_DIR}/volume*.c)
add_library(bmclink_chain STATIC ${_chain_sources})
target_include_directories(bmclink_chain PUBLIC ${CMAKE_CURRENT_LIST_DIR})
# blreg: the synchronized subtrees (chain_reg.c) talk to bmclinkd through reg_client.
target_link_libraries(bmclink_chain PUBLIC bmclink blreg PkgConfig::GLIB)
# Where the shipped profiles are installed; the agent searches /etc first.
target_compile_definitions(bmclink_chain PRIVATE
    BL_CHAIN_SHARE_DIR="${CMAKE_INSTALL_FULL_DATADIR}/bmclink/chains"
    BL_CHAIN_ETC_DIR="${CMAKE_INSTALL_FULL_SYSCONFDIR}/bmclink/chains"
    BL_CHAIN_AGENT_VERSION="${PROJECT_VERSION}")
