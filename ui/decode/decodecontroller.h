#pragma once
// DecodeController owns the current model and runs loading and decoding on
// the thread pool. The GUI thread never waits: results come back through
// signals, and a generation counter drops any result that was overtaken by
// a newer request (editing the sentence also raises the cancel flag of the
// running job so it stops early).

#include "alignscope/decode.h"
#include "alignscope/intervention.h"
#include "alignscope/model.h"

#include <QObject>
#include <QString>

class QTimer;

#include <atomic>
#include <memory>
#include <vector>

namespace alignscope::ui {

using TracePtr = std::shared_ptr<const DecodeTrace>;

class DecodeController : public QObject {
    Q_OBJECT
public:
    explicit DecodeController(QObject *parent = nullptr);
    ~DecodeController() override;

    /// Loads a bundled model by name, a file or a Hugging Face folder by
    /// path; emits modelChanged or errorOccurred. A folder's loading reports
    /// loadProgress and can be cancelled (cancelLoad); a newer load
    /// cancels an older one.
    void loadModel(const QString &nameOrPath);
    /// Stops the model load under way; the current model stays. Emits
    /// loadCancelled when there was one.
    void cancelLoad();
    /// Whether a model is being loaded.
    bool loading() const { return bool(m_load); }
    /// The source being loaded, empty when none is.
    QString loadingSource() const { return m_loadingSource; }
    /// Installs an already built model (tests, the random fallback).
    void setModel(ModelPtr model, const QString &source);

    ModelPtr model() const { return m_model; }
    QString modelSource() const { return m_modelSource; }
    TracePtr trace() const { return m_trace; }
    bool busy() const { return m_busy; }

    QString sentence() const { return m_sentence; }
    /// The clip being transcribed (setAudio), empty for a typed sentence.
    QString audioPath() const { return m_audioPath; }
    /// The picture being captioned (setImage), null for a sentence or a clip.
    std::shared_ptr<const RgbImage> image() const { return m_image; }
    /// Where the picture came from (a file's path, "pasted image"), empty without one.
    QString imageLabel() const { return m_imageLabel; }
    int beamWidth() const { return m_beamWidth; }
    /// Whether a Whisper decode predicts timestamp tokens (DecodeOptions::timestamps).
    bool timestamps() const { return m_timestamps; }
    /// Target tokens forced before the model chooses (the what-if prefix).
    const std::vector<int> &prefix() const { return m_prefix; }
    /// The edits, drops and ablations every decode applies now (empty: none).
    const Intervention &intervention() const { return m_intervention; }
    /// The decode without the intervention, for the side-by-side view;
    /// null while no intervention is active (or before it is decoded).
    TracePtr originalTrace() const { return m_intervention.empty() ? nullptr : m_original; }
    /// Whether undoIntervention has something to undo.
    bool canUndoIntervention() const { return !m_interventionHistory.empty(); }
    /// The interventions undoIntervention steps back through, oldest first.
    const std::vector<Intervention> &interventionHistory() const { return m_interventionHistory; }

public slots:
    /// A new sentence clears any forced prefix and decodes again.
    void setSentence(const QString &sentence);
    /// Transcribes an audio clip (WAV, FLAC, Ogg, MP3) with the current
    /// model, which must read audio: the file is read, mixed and resampled
    /// off the GUI thread with the decode. A new sentence goes back to text;
    /// a model that reads text drops the clip.
    void setAudio(const QString &path);
    /// Captions a picture (already RGB) with the current model, which must
    /// read images: the model's image processor prepares it off the GUI
    /// thread with the decode. `label` names it (a file, "pasted image"). A
    /// new sentence or clip, or a model that does not read images, drops it.
    void setImage(const alignscope::RgbImage &image, const QString &label);
    void setBeamWidth(int width);
    /// Whisper: predict timestamp tokens (no effect on models without them); decodes again.
    void setTimestamps(bool on);
    /// What-if: force `prefix` (target ids) and decode the rest; the view
    /// should land on step `focusStep` when the trace arrives.
    void forcePrefix(const std::vector<int> &prefix, int focusStep);
    void clearPrefix();
    /// Decodes the current sentence with the current model and options.
    void decode();
    /// Replaces the intervention (the previous one goes on the undo list)
    /// and decodes again, the original decode kept for comparison; the
    /// view lands on `focusStep`. A new sentence or model clears it.
    void setIntervention(const alignscope::Intervention &intervention, int focusStep = 0);
    /// Replaces the intervention and its undo list at once (a session's) and
    /// decodes again; the view lands on `focusStep`.
    void restoreIntervention(const alignscope::Intervention &intervention,
                             const std::vector<alignscope::Intervention> &history, int focusStep = 0);
    /// Back to the intervention before the last setIntervention.
    void undoIntervention(int focusStep = 0);
    /// Decodes without any intervention again (undo list cleared).
    void clearIntervention(int focusStep = 0);

signals:
    void modelChanged(const QString &displayName);
    /// A fresh trace; `focusStep` is the 0-based step to show (0 for a new sentence).
    void traceReady(alignscope::ui::TracePtr trace, int focusStep);
    /// Loading a model failed; the previous model stays in use. `message`
    /// is core's one line naming the file and what was wrong.
    void errorOccurred(const QString &message);
    /// A folder's loading: the fraction of its weights read (0..1), from 0 at its start.
    void loadProgress(const QString &source, double fraction);
    /// The load under way ended: loaded, failed or cancelled.
    void loadEnded();
    /// The user cancelled loading `source`; the previous model stays in use.
    void loadCancelled(const QString &source);
    /// Decoding the sentence failed (empty sentence, invalid text).
    void decodeFailed(const QString &message);
    void busyChanged(bool busy);
    /// The intervention changed (set, undone, cleared, or dropped with its sentence or model).
    void interventionChanged();

private:
    struct Load;
    void cancelRunning();
    void endLoad();
    void setBusy(bool busy);
    struct Decoded;
    void run(int focusStep);
    void finishDecode(quint64 generation, Decoded result, int focusStep);
    /// Forgets the intervention and its history (a new sentence or model).
    void dropIntervention();
    void clearImage();

    ModelPtr m_model;
    QString m_modelSource;
    TracePtr m_trace;
    QString m_sentence;
    QString m_audioPath;
    std::shared_ptr<const RgbImage> m_image;
    QString m_imageLabel;
    int m_beamWidth = 1;
    bool m_timestamps = false;
    std::vector<int> m_prefix;
    Intervention m_intervention;
    std::vector<Intervention> m_interventionHistory; // earlier states, for undo
    TracePtr m_original; // the decode without m_intervention, same sentence, prefix and beam
    quint64 m_generation = 0;      // decode requests
    quint64 m_modelGeneration = 0; // model loads
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<Load> m_load;  // the load under way: its progress and cancel flag, shared with the worker
    QString m_loadingSource;
    double m_shownProgress = -1;
    QTimer *m_progressTimer;
    bool m_busy = false;
};

/// Builds the untrained stand-in model used when no bundled model exists,
/// with a vocabulary that covers the seed sentence.
ModelPtr makeRandomModel();

} // namespace alignscope::ui

Q_DECLARE_METATYPE(alignscope::ui::TracePtr)
