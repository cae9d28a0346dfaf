#pragma once

#include <functional>
#include <vector>

class QWidget;

namespace fraudops {

class ConsolePage;
class ConsoleSession;

// Builds one page for the window.
using PageFactory = std::function<ConsolePage*(ConsoleSession& session, QWidget* parent)>;

// The console's pages, in the order of the page list (and of Ctrl+1, Ctrl+2, ...). Defined in
// app/console/Pages.cpp: adding a page is its folder and one line there.
const std::vector<PageFactory>& consolePages();

}  // namespace fraudops
