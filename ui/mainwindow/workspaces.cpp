#include "mainwindow/workspaces.h"

#include <QMainWindow>
#include <QSettings>

namespace alignscope::ui {
namespace {

constexpr Workspace kAll[] = {Workspace::StepThrough, Workspace::Compare, Workspace::Train};
// Bumped when the docks or the defaults change shape: older saved
// arrangements are then dropped instead of restoring a stale layout.
constexpr int kStateVersion = 2;

} // namespace

QString workspaceName(Workspace w)
{
    switch (w) {
    case Workspace::StepThrough: return QStringLiteral("step");
    case Workspace::Compare: return QStringLiteral("compare");
    case Workspace::Train: return QStringLiteral("train");
    }
    return QStringLiteral("step");
}

std::optional<Workspace> workspaceFromName(const QString &name)
{
    for (Workspace w : kAll)
        if (workspaceName(w) == name)
            return w;
    return std::nullopt;
}

Workspaces::Workspaces(QMainWindow *window, std::function<void(Workspace)> arrange)
    : QObject(window), m_window(window), m_arrange(std::move(arrange))
{
}

void Workspaces::captureDefaults()
{
    for (Workspace w : kAll) {
        m_arrange(w);
        m_defaults[int(w)] = m_window->saveState(kStateVersion);
    }
    show(Workspace::StepThrough, m_defaults.value(int(Workspace::StepThrough)));
}

QByteArray Workspaces::state(Workspace w) const
{
    if (w == m_current)
        return m_window->saveState(kStateVersion);
    return m_saved.value(int(w), m_defaults.value(int(w)));
}

void Workspaces::switchTo(Workspace w)
{
    m_saved[int(m_current)] = m_window->saveState(kStateVersion);
    show(w, m_saved.value(int(w), m_defaults.value(int(w))));
}

void Workspaces::reset()
{
    m_saved.remove(int(m_current));
    show(m_current, m_defaults.value(int(m_current)));
}

void Workspaces::show(Workspace w, const QByteArray &state)
{
    m_current = w;
    if (!m_window->restoreState(state, kStateVersion)) {
        m_arrange(w); // a state from another version: the default instead
        m_saved.remove(int(w));
    }
    emit switched(w);
}

void Workspaces::save(QSettings &settings) const
{
    for (Workspace w : kAll)
        settings.setValue(QStringLiteral("layouts/") + workspaceName(w), state(w));
    settings.setValue(QStringLiteral("layouts/current"), workspaceName(m_current));
}

void Workspaces::load(const QSettings &settings)
{
    for (Workspace w : kAll) {
        const QByteArray s = settings.value(QStringLiteral("layouts/") + workspaceName(w)).toByteArray();
        if (!s.isEmpty())
            m_saved[int(w)] = s;
    }
    const auto last = workspaceFromName(settings.value(QStringLiteral("layouts/current")).toString());
    const Workspace w = last.value_or(Workspace::StepThrough);
    show(w, m_saved.value(int(w), m_defaults.value(int(w))));
}

} // namespace alignscope::ui
