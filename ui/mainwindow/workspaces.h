#pragma once
// Workspaces: one named arrangement of the window's docks per task (step
// through a decode, compare models, train), in the manner of Qt Creator's
// modes and Krita's workspaces. Each gives its task's main view most of the
// window; the user's changes to each are kept (switching away saves the
// arrangement, settings keep them across restarts) and Reset puts the
// current one back to its default.

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QMainWindow;
class QSettings;

namespace alignscope::ui {

enum class Workspace { StepThrough, Compare, Train };

/// "step", "compare", "train": the names settings, sessions and `--layout` use.
QString workspaceName(Workspace w);
std::optional<Workspace> workspaceFromName(const QString &name);

class Workspaces : public QObject {
    Q_OBJECT
public:
    /// `arrange` puts `window`'s docks into a workspace's default arrangement.
    Workspaces(QMainWindow *window, std::function<void(Workspace)> arrange);

    /// Runs every default arrangement once and keeps its state (call once
    /// every dock exists and the window has its starting size); ends in the
    /// step-through workspace.
    void captureDefaults();
    Workspace current() const { return m_current; }
    /// Saves the current arrangement, then shows `w`'s (the user's, else the default).
    void switchTo(Workspace w);
    /// The current workspace back to its default arrangement.
    void reset();
    /// The arrangement of `w` as it would be restored (for sessions and tests).
    QByteArray state(Workspace w) const;

    void save(QSettings &settings) const;
    /// The saved arrangements and the workspace last used (shown at once).
    void load(const QSettings &settings);

signals:
    void switched(alignscope::ui::Workspace workspace);

private:
    void show(Workspace w, const QByteArray &state);

    QMainWindow *m_window;
    std::function<void(Workspace)> m_arrange;
    QHash<int, QByteArray> m_defaults;
    QHash<int, QByteArray> m_saved;   // the user's arrangement of each workspace
    Workspace m_current = Workspace::StepThrough;
};

} // namespace alignscope::ui
