#pragma once
// TrainingPanel: train a model in the window and watch its attention
// emerge. The left side sets the task, the model and the hyper-parameters
// and measures how long the run will take; the right side shows progress,
// the loss curves, the watched sentence's heatmap with a timeline over every
// snapshot taken so far, and dev metrics per epoch. The work itself runs in
// TrainingController on a thread of its own.

#include "training/trainingcontroller.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSettings;
class QPushButton;
class QSlider;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QToolButton;

namespace alignscope::ui {

class HeatmapView;
class VisionView;
class LossChart;
class TraceModel;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget *parent = nullptr);

    /// The form's current values.
    TrainingSetup setup() const;
    /// Fills the form (tests, and a later "train again"); values the form
    /// does not offer leave their field as it is.
    void setSetup(const TrainingSetup &setup);
    /// The form in the window's settings (group "training"), so the next
    /// session starts from the last one's choices.
    void saveSettings(QSettings &settings) const;
    void loadSettings(const QSettings &settings);

    TrainingController *controller() const { return m_controller; }
    LossChart *lossChart() const { return m_chart; }
    /// The watched sentence's heatmap.
    HeatmapView *watchedHeatmap() const { return m_heatmap; }
    /// An image task's watched scene: its picture with the snapshot's attention over it.
    VisionView *watchedPicture() const { return m_picture; }
    /// The setup form folds away once a run starts (the charts take its room); the
    /// Setup button beside the progress bar shows it again.
    bool setupVisible() const;
    void setSetupVisible(bool visible);
    /// Scrubs through the snapshots; at its right end it follows new ones.
    QSlider *timeline() const { return m_timeline; }
    /// The snapshot the heatmap shows.
    TraceModel *snapshotTrace() const { return m_snapshotTrace; }
    QTableWidget *metricsTable() const { return m_metrics; }
    QProgressBar *progressBar() const { return m_progress; }
    /// What the panel last said about the run (errors, cancel, done).
    QString statusText() const;
    QString estimateText() const;

public slots:
    void startTraining();
    /// Continue (button): goes on from OUT.ckpt, which a cancelled run leaves.
    void continueTraining();
    void estimate();
    void togglePause();
    void cancelTraining();

signals:
    /// A model was trained and saved at `path`: the window adds it to its picker.
    void modelTrained(const QString &path);

private:
    QWidget *createSetup();
    void addModelRows(QFormLayout *form);
    void addTokenizerRow(QFormLayout *form);
    void addRunRows(QFormLayout *form);
    QWidget *createLiveView();
    void connectController();
    void updateButtons();
    /// Empties the curves, table, timeline and progress for a new run.
    void clearRun();
    void onTaskChanged();
    /// Transformer or RNN: which of the form's rows apply.
    void onEncoderChanged(const QString &encoder);
    void browseCorpus();
    void browseOutput();
    void onEstimated(const TrainingEstimate &estimate);
    void onProgress(const TrainProgress &progress);
    void onSnapshot(int index);
    void showSnapshot(int index);
    void onFinished(const QString &path, const TrainSummary &summary);
    void onFailed(const QString &message, bool cancelled, const QString &checkpoint);
    void setStatus(const QString &text, bool error = false);

    TrainingController *m_controller;
    TraceModel *m_snapshotTrace;

    QComboBox *m_task = nullptr;
    QLineEdit *m_taskFile = nullptr;
    QPushButton *m_taskBrowse = nullptr;
    QComboBox *m_encoder = nullptr;
    QComboBox *m_decoder = nullptr;
    QComboBox *m_scorer = nullptr;
    QComboBox *m_local = nullptr;
    QComboBox *m_tokenizer = nullptr;  ///< the task's own, word, char, bpe, unigram
    QSpinBox *m_vocabSize = nullptr;   ///< bpe / unigram pieces
    QCheckBox *m_sharedVocab = nullptr;
    QSpinBox *m_window = nullptr;
    QSpinBox *m_epochs = nullptr;
    QSpinBox *m_batch = nullptr;
    QDoubleSpinBox *m_lr = nullptr;
    QSpinBox *m_hidden = nullptr;
    QSpinBox *m_embedding = nullptr;
    QSpinBox *m_layers = nullptr;   ///< Transformer: layers of each stack
    QSpinBox *m_heads = nullptr;    ///< Transformer: heads
    QSpinBox *m_trainSize = nullptr;
    QSpinBox *m_threads = nullptr;
    QSpinBox *m_snapshotEvery = nullptr;
    QLineEdit *m_outPath = nullptr;
    QLineEdit *m_watched = nullptr;
    QWidget *m_form = nullptr;
    QLabel *m_estimate = nullptr;
    QPushButton *m_estimateButton = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_continue = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_cancel = nullptr;

    QWidget *m_setupArea = nullptr;
    QToolButton *m_setupToggle = nullptr;
    QLabel *m_status = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_rate = nullptr;
    LossChart *m_chart = nullptr;
    HeatmapView *m_heatmap = nullptr;
    VisionView *m_picture = nullptr;
    QStackedWidget *m_watchStack = nullptr; ///< the heatmap, or the picture for an image task
    QSlider *m_timeline = nullptr;
    QLabel *m_snapshotLabel = nullptr;
    QTableWidget *m_metrics = nullptr;

    TrainingEstimate m_lastEstimate;
    bool m_haveEstimate = false;
};

/// "42 s", "3 min 05 s", "1 h 02 min".
QString formatDuration(double seconds);

} // namespace alignscope::ui
