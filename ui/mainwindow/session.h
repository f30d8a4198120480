#pragma once
// A session: what the window shows, saved as versioned JSON so a user can
// close AlignScope and come back to the same sentence, model, what-if prefix
// and view settings. Reading refuses, whole, anything it does not understand:
// a file from a newer AlignScope, another program's JSON, wrong field types.
// Qt Core only, so the reader can be fuzzed without the widgets.

#include "alignscope/heads.h"
#include "alignscope/intervention.h"
#include "alignscope/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace alignscope::ui {

struct Session {
    /// 2 added "intervention_history", 3 "audio" and "image", 4 a large picture
    /// kept beside the file ("image": {"png_file"}); older files still open
    /// (without undo steps, with the sentence). A session without a large
    /// picture is still written as version 3, for older AlignScopes.
    static constexpr int kVersion = 4;

    QString model;              ///< bundled name, file path or Hugging Face model folder
    QString sentence;
    /// The source when it is not the sentence: a clip's path ("audio"), or a
    /// picture ("image"): its file, or for one that came from no file (pasted,
    /// dropped, a random scene) its pixels as PNG with the label it was shown under.
    QString audio;
    QString imageFile;
    QByteArray imagePng;
    QString imageLabel;
    /// Where a picture too large to sit inside the JSON was read from: a file
    /// beside the session (a plain name, set by sessionFromJson; loadSession
    /// reads it into imagePng). saveSession chooses it itself.
    QString imagePngFile;
    QStringList history;
    int beamWidth = 1;
    std::vector<int> prefix;    ///< forced target ids (what-if), in the model's vocabulary
    int step = 0;               ///< 0-based step shown
    int speed = 1;              ///< playback speed index
    QString colormap = QStringLiteral("viridis"); ///< one of sessionColormaps()
    bool hideSpecial = false;
    bool renormalise = false;
    bool logScale = false;
    bool mergeWords = false;    ///< the heatmap merges a subword model's pieces into words
    HeadSelection selection;    ///< the layer and head the views show
    /// Attention edits, dropped source positions and switched-off heads
    /// (stored 0-based, −1 for "every"; checked against the model when decoded).
    Intervention intervention;
    /// The interventions Undo steps back through, oldest first (the last is
    /// what one Undo restores); empty when there is nothing to undo.
    std::vector<Intervention> interventionHistory;
    QString layout = QStringLiteral("step"); ///< the workspace: "step", "compare" or "train"
    QByteArray windowState;     ///< QMainWindow::saveState(), dock layout
};

/// The colormap names a session may hold (Colormap::sequentialNames()).
QStringList sessionColormaps();

/// A selection as a session stores it: {"layer": "last" | 1-based,
/// "head": "mean" | "max" | 1-based}; and back (nullopt when malformed).
QJsonObject selectionToJson(const HeadSelection &selection);
std::optional<HeadSelection> selectionFromJson(const QJsonObject &json);

/// An intervention as a session stores it, {"edits": [{"step", "layer",
/// "head", "position"[, "weights"]}], "dropped_source": [..],
/// "ablated_heads": [{"layer", "head"}]}; and back (an error naming the bad
/// field; `field` names where in the session the object sits).
QJsonObject interventionToJson(const Intervention &intervention);
Result<Intervention> interventionFromJson(const QJsonObject &json,
                                          const QString &field = QStringLiteral("\"intervention\""));

QByteArray sessionToJson(const Session &session);
/// The session in `json`; a BadFile error naming what is wrong otherwise.
Result<Session> sessionFromJson(const QByteArray &json);

/// Pictures larger than this (PNG bytes) are kept in a file beside the
/// session, "<name>.picture-<hash>.png", so the JSON stays small.
inline constexpr qsizetype kInlinePictureBytes = 4 << 20;

/// Writes atomically: the previous file stays whole if anything fails. A
/// large picture is written first, beside it, under a name that depends on
/// its bytes, so the old session keeps its own picture until the new JSON is
/// in place; the picture the old session pointed at is then removed.
Result<void> saveSession(const Session &session, const QString &path);
Result<Session> loadSession(const QString &path);
/// Removes a session file and the picture kept beside it, if any.
void removeSession(const QString &path);
/// Renames a session file (replacing `to`), with the picture kept beside it.
bool renameSession(const QString &from, const QString &to);

} // namespace alignscope::ui
