// TestExport: figures as files. PNG pixel size and cell colours, SVG as XML
// with every token as text, PDF page sizes, and the CLI's batch export.

#include "common/clirun.h"
#include "attention/alignmentlinesview.h"
#include "export/exportdialog.h"
#include "export/exporter.h"
#include "attention/heatmapview.h"
#include "mainwindow/mainwindow.h"
#include "decode/tracemodel.h"

#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QMimeData>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <cmath>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

// Accents, ß, Greek, CJK and an emoji: every token must survive as text.
const QStringList kSource = {QStringLiteral("猫"), QStringLiteral("café"), QStringLiteral("Straße"),
                             QStringLiteral("<eos>")};
const QStringList kTarget = {QStringLiteral("🐱"), QStringLiteral("naïve"), QStringLiteral("κόσμος"),
                             QStringLiteral("<eos>")};

// Row t of the weights; row 1 holds 0.5 at column 1 (the colour test's cell).
const float kWeights[4][4] = {
    {0.7f, 0.1f, 0.1f, 0.1f},
    {0.1f, 0.5f, 0.3f, 0.1f},
    {0.05f, 0.15f, 0.75f, 0.05f},
    {0.1f, 0.1f, 0.1f, 0.7f},
};

TracePtr makeTrace()
{
    DecodeTrace tr;
    tr.model = "hand";
    tr.scorer = "additive";
    for (const QString &s : kSource)
        tr.source.labels.push_back(s.toStdString());
    tr.source.flags = {0, 0, 0, SourceAxis::Special};
    tr.encoderStates = Matrix::Ones(4, 2);
    for (int t = 0; t < 4; ++t) {
        DecodeNode n;
        n.step = t;
        n.parent = t - 1;
        n.token = kTarget[t].toStdString();
        n.tokenId = t == 3 ? tr.eosId : 4 + t;
        Vector weights(4);
        for (int j = 0; j < 4; ++j)
            weights[j] = kWeights[t][j];
        n.cross = AttentionStack::single(weights.array().log(), weights);
        n.context = Vector::Ones(2);
        n.query = Vector::Ones(2);
        n.finished = t == 3;
        tr.nodes.push_back(n);
    }
    tr.hypotheses.push_back({3, -1.0, -1.0});
    tr.complete = true;
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

/// An n × n trace with smoothly varying weights (rows sum to 1): large
/// enough that a PNG is encoded in many bands.
TracePtr makeGridTrace(int n)
{
    DecodeTrace tr;
    tr.model = "grid";
    tr.scorer = "dot";
    for (int j = 0; j < n; ++j)
        tr.source.labels.push_back(std::string("s").append(std::to_string(j)));
    tr.source.flags.assign(std::size_t(n), 0);
    tr.encoderStates = Matrix::Ones(n, 2);
    for (int t = 0; t < n; ++t) {
        DecodeNode node;
        node.step = t;
        node.parent = t - 1;
        node.token = std::string("t").append(std::to_string(t));
        node.tokenId = t == n - 1 ? tr.eosId : 4 + t;
        Vector weights(n);
        for (int j = 0; j < n; ++j)
            weights[j] = float(1.0 / (1.0 + std::abs(t - j)));
        weights /= weights.sum();
        node.cross = AttentionStack::single(weights.array().log(), weights);
        node.context = Vector::Ones(2);
        node.query = Vector::Ones(2);
        node.finished = t == n - 1;
        tr.nodes.push_back(node);
    }
    tr.hypotheses.push_back({n - 1, -1.0, -1.0});
    tr.complete = true;
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

using alignscope::testing::runCli;
using alignscope::testing::writeFile;
using Run = alignscope::testing::CliRun;

} // namespace

class TestExport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testPngSize_data();
    void testPngSize();
    void testPngCellColour_data();
    void testPngCellColour();
    void testPngMatchesPainter_data();
    void testPngMatchesPainter();
    void testSvgTokensAsText_data();
    void testSvgTokensAsText();
    void testPdfPageSize_data();
    void testPdfPageSize();
    void testWriteFile();
    void testWindowActions();
    void testCopyToClipboard();
    void testCliBatch_data();
    void testCliBatch();
    void testCliCompareAndData();
    void testCliDpi();
    void testCliMergeWords();
    void testDialogResolution();

private:
    TracePtr m_trace;
    TraceModel m_model;
    QTemporaryDir m_dir;
    QString m_cliModel;
};

void TestExport::initTestCase()
{
    m_trace = makeTrace();
    m_model.setTrace(m_trace, 1);
    QCOMPARE(m_model.stepCount(), 4);
}

void TestExport::testPngSize_data()
{
    QTest::addColumn<double>("scale");
    QTest::addColumn<bool>("title");
    QTest::newRow("1x") << 1.0 << false;
    QTest::newRow("2x") << 2.0 << false;
    QTest::newRow("3x, title") << 3.0 << true;
    QTest::newRow("1.5x") << 1.5 << false;
}

void TestExport::testPngSize()
{
    QFETCH(double, scale);
    QFETCH(bool, title);
    FigureOptions o;
    o.scale = scale;
    o.title = title ? QStringLiteral("Attention, “the naïve world”") : QString();
    const FigureExporter e(m_model, o);
    const QSizeF logical = e.figureSize();
    QCOMPARE(logical, QSizeF(std::ceil(logical.width()), std::ceil(logical.height())));
    QImage image;
    QVERIFY(image.loadFromData(e.toPng(), "PNG"));
    QCOMPARE(image.size(), QSize(int(std::lround(logical.width() * scale)), int(std::lround(logical.height() * scale))));
    // The figure does not depend on the scale: 1x is the same logical size.
    o.scale = 1.0;
    QCOMPARE(FigureExporter(m_model, o).figureSize(), logical);
}

void TestExport::testPngCellColour_data()
{
    QTest::addColumn<int>("colormap");
    QTest::addColumn<double>("scale");
    QTest::newRow("viridis 2x") << int(ColormapKind::Viridis) << 2.0;
    QTest::newRow("magma 1x") << int(ColormapKind::Magma) << 1.0;
    QTest::newRow("grayscale 3x") << int(ColormapKind::Grayscale) << 3.0;
}

void TestExport::testPngCellColour()
{
    QFETCH(int, colormap);
    QFETCH(double, scale);
    FigureOptions o;
    o.scale = scale;
    o.colormap = ColormapKind(colormap);
    o.cellValues = false;
    const FigureExporter e(m_model, o);
    QImage image;
    QVERIFY(image.loadFromData(e.toPng(), "PNG"));
    const Colormap map(o.colormap);
    for (int row = 0; row < 4; ++row) {
        for (int col = 0; col < 4; ++col) {
            const QPointF c = e.cellRect(row, col).center() * scale;
            const QRgb got = image.pixel(c.toPoint()) | 0xff000000u;
            QCOMPARE(QColor(got).name(), QColor(map.rgb(kWeights[row][col])).name());
        }
    }
}

void TestExport::testPngMatchesPainter_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<double>("scale");
    QTest::addColumn<bool>("white");
    QTest::newRow("4x4 2x white") << 4 << 2.0 << true;
    QTest::newRow("30x30 2x white, many bands") << 30 << 2.0 << true;
    QTest::newRow("30x30 1.5x transparent") << 30 << 1.5 << false;
    QTest::newRow("12x12 3x transparent") << 12 << 3.0 << false;
}

// The PNG is painted in bands on several threads and encoded by our own
// writer: decoded, it must be the very image one painter draws in one go,
// and carry the resolution and title.
void TestExport::testPngMatchesPainter()
{
    QFETCH(int, size);
    QFETCH(double, scale);
    QFETCH(bool, white);
    TraceModel model;
    model.setTrace(size == 4 ? m_trace : makeGridTrace(size), 1);
    FigureOptions o;
    o.scale = scale;
    o.whiteBackground = white;
    o.title = QStringLiteral("Attention — naïve κόσμος");
    const FigureExporter e(model, o);
    QImage decoded;
    const QByteArray png = e.toPng();
    QVERIFY(decoded.loadFromData(png, "PNG"));
    QCOMPARE(decoded.hasAlphaChannel(), !white);
    const QImage expected = e.toImage().convertToFormat(QImage::Format_ARGB32);
    decoded = decoded.convertToFormat(QImage::Format_ARGB32);
    QCOMPARE(decoded.size(), expected.size());
    QVERIFY(decoded.height() > 192 * 2 || size == 4);
    int worst = 0;
    for (int y = 0; y < expected.height(); ++y) {
        const QRgb *a = reinterpret_cast<const QRgb *>(expected.constScanLine(y));
        const QRgb *b = reinterpret_cast<const QRgb *>(decoded.constScanLine(y));
        for (int x = 0; x < expected.width(); ++x) {
            // Transparent pixels have no colour to compare.
            if (qAlpha(a[x]) == 0 && qAlpha(b[x]) == 0)
                continue;
            worst = std::max({worst, std::abs(qRed(a[x]) - qRed(b[x])), std::abs(qGreen(a[x]) - qGreen(b[x])),
                              std::abs(qBlue(a[x]) - qBlue(b[x])), std::abs(qAlpha(a[x]) - qAlpha(b[x]))});
        }
    }
    // Un-premultiplying a half-transparent antialiased edge may round by one.
    QVERIFY2(worst <= (white ? 0 : 1), qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
    if (!white)
        QCOMPARE(qAlpha(decoded.pixel(0, 0)), 0);
    QVERIFY(std::abs(decoded.dotsPerMeterX() - 96.0 * scale / 0.0254) < 1.0);
    QCOMPARE(decoded.text(QStringLiteral("Title")), o.title);
    QCOMPARE(decoded.text(QStringLiteral("Software")), QStringLiteral("AlignScope"));
}

void TestExport::testSvgTokensAsText_data()
{
    QTest::addColumn<int>("view");
    QTest::newRow("heatmap") << int(FigureView::Heatmap);
    QTest::newRow("lines") << int(FigureView::Lines);
}

void TestExport::testSvgTokensAsText()
{
    QFETCH(int, view);
    FigureOptions o;
    o.format = FigureFormat::Svg;
    o.view = FigureView(view);
    o.title = QStringLiteral("Figure <1> & co");
    const QByteArray svg = FigureExporter(m_model, o).render();
    QXmlStreamReader xml(svg);
    QStringList texts;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    for (const QString &token : kSource + kTarget + QStringList{o.title})
        QVERIFY2(texts.contains(token), qPrintable(token + " not among " + texts.join(QLatin1Char('|'))));
}

void TestExport::testPdfPageSize_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QSizeF>("points"); // empty: the figure's own size
    QTest::newRow("a4") << "a4" << QSizeF(595, 842);
    QTest::newRow("letter") << "letter" << QSizeF(612, 792);
    QTest::newRow("fit") << "fit" << QSizeF();
}

void TestExport::testPdfPageSize()
{
    QFETCH(QString, page);
    QFETCH(QSizeF, points);
    FigureOptions o;
    o.format = FigureFormat::Pdf;
    o.page = *parseFigurePage(page);
    const FigureExporter e(m_model, o);
    const QByteArray pdf = e.render();
    QVERIFY(pdf.startsWith("%PDF"));
    static const QRegularExpression box(
        QStringLiteral(R"(/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\])"));
    const auto m = box.match(QString::fromLatin1(pdf));
    QVERIFY2(m.hasMatch(), "no /MediaBox");
    const QSizeF got(m.captured(3).toDouble() - m.captured(1).toDouble(),
                     m.captured(4).toDouble() - m.captured(2).toDouble());
    const QSizeF want = points.isEmpty() ? e.figureSize() * 0.75 : points;
    QVERIFY2(std::abs(got.width() - want.width()) <= 1.0 && std::abs(got.height() - want.height()) <= 1.0,
             qPrintable(QString("MediaBox %1 x %2, expected %3 x %4")
                            .arg(got.width()).arg(got.height()).arg(want.width()).arg(want.height())));
}

void TestExport::testWriteFile()
{
    FigureOptions o;
    o.format = FigureFormat::Svg;
    const FigureExporter e(m_model, o);
    const QString file = m_dir.filePath("figure.svg");
    QVERIFY(e.write(file).ok());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().contains("<svg"));
    QVERIFY(!e.write(m_dir.filePath("no/such/folder/figure.svg")).ok());
}

void TestExport::testWindowActions()
{
    MainWindow w;
    QAction *exportAction = nullptr;
    for (QAction *a : w.findChildren<QAction *>())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_E))
            exportAction = a;
    QVERIFY(exportAction);
    QWidget *viewport = w.heatmap()->view()->viewport();
    QCOMPARE(viewport->contextMenuPolicy(), Qt::ActionsContextMenu);
    QCOMPARE(viewport->actions().size(), 2);
    QVERIFY(viewport->actions().contains(exportAction));

    // The alignment lines have their own menu, exporting lines.
    auto *copyLines = w.findChild<QAction *>(QStringLiteral("copyLines"));
    QVERIFY(copyLines && w.findChild<QAction *>(QStringLiteral("exportLines")));
    auto *linesView = w.findChild<AlignmentLinesView *>();
    QVERIFY(linesView && linesView->actions().contains(copyLines));
    QCOMPARE(linesView->contextMenuPolicy(), Qt::ActionsContextMenu);
    QTRY_VERIFY_WITH_TIMEOUT(copyLines->isEnabled(), 30000); // the seed sentence decoded
    QApplication::clipboard()->clear();
    copyLines->trigger();
    const QImage copied = qvariant_cast<QImage>(QApplication::clipboard()->mimeData()->imageData());
    FigureOptions lines;
    lines.view = FigureView::Lines;
    QCOMPARE(copied.size(), (FigureExporter(*w.traceModel(), lines).figureSize() * 2).toSize());
    QVERIFY(copied.size() != (FigureExporter(*w.traceModel(), FigureOptions{}).figureSize() * 2).toSize());
}

void TestExport::testCopyToClipboard()
{
    QApplication::clipboard()->clear();
    copyFigureToClipboard(m_model, FigureOptions{});
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    QVERIFY(mime);
    QVERIFY(mime->hasImage());
    QVERIFY(mime->data(QStringLiteral("image/svg+xml")).contains("<svg"));
}

void TestExport::testCliBatch_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("extension");
    QTest::newRow("png") << "png" << "png";
    QTest::newRow("svg") << "svg" << "svg";
    QTest::newRow("pdf") << "pdf" << "pdf";
    QTest::newRow("csv") << "csv" << "csv";
    QTest::newRow("pharaoh") << "pharaoh" << "align";
}

void TestExport::testCliBatch()
{
    QFETCH(QString, format);
    QFETCH(QString, extension);
    if (m_cliModel.isEmpty()) {
        const QString source = m_dir.filePath("source.vocab"), target = m_dir.filePath("target.vocab");
        QVERIFY(writeFile(source, "<pad>\n<sos>\n<eos>\n<unk>\nthe\ncat\nsat\non\nmat\n"));
        QVERIFY(writeFile(target, "<pad>\n<sos>\n<eos>\n<unk>\nle\nchat\nest\nassis\nsur\ntapis\n"));
        m_cliModel = m_dir.filePath("model.safetensors");
        const Run r = runCli({"init", "--encoder", "bigru", "--decoder", "bahdanau", "--scorer", "additive",
                              "--source-vocab", source, "--target-vocab", target, "--embedding", "8", "--hidden",
                              "8", "--seed", "3", "--out", m_cliModel});
        QVERIFY2(r.code == 0, r.err.constData());
    }
    // Lines 2 (empty) and 3 (not UTF-8) are bad; 1 and 4 are written.
    const QString input = m_dir.filePath("sentences.txt");
    QVERIFY(writeFile(input, "the cat sat\n\n\xff\xfe broken\non the mat\n"));
    const QString out = m_dir.filePath("out-" + format);
    const Run r = runCli({"export", "--model", m_cliModel, "--format", format, "--scale", "1", "--input", input,
                          "--out", out});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(QDir(out).entryList(QDir::Files, QDir::Name),
             QStringList({"0001." + extension, "0004." + extension}));
    QVERIFY2(r.err.contains("sentences.txt:2") && r.err.contains("sentences.txt:3"), r.err.constData());
    QVERIFY(!r.err.contains("sentences.txt:1:") && !r.err.contains("sentences.txt:4:"));
    QFile first(QDir(out).filePath("0001." + extension));
    QVERIFY(first.open(QIODevice::ReadOnly));
    QVERIFY(first.size() > 0);

    // Every line bad: nothing written, exit code of the last error.
    const QString bad = m_dir.filePath("bad.txt");
    QVERIFY(writeFile(bad, "\n   \n"));
    const Run none = runCli({"export", "--model", m_cliModel, "--format", format, "--input", bad, "--out",
                             m_dir.filePath("none-" + format)});
    QCOMPARE(none.code, 4);
}

void TestExport::testCliCompareAndData()
{
    QVERIFY(!m_cliModel.isEmpty());
    const QString file = m_dir.filePath("compare.svg");
    Run r = runCli({"export", "--view", "compare", "--format", "svg", "--out", file, "--models", m_cliModel,
                    m_cliModel, "the cat"});
    QVERIFY2(r.code == 0, r.err.constData());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().count("model.safetensors</text>"), 2); // one caption per model

    r = runCli({"export", "--model", m_cliModel, "--format", "nematus", "the cat"});
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY(r.out.startsWith("0 ||| "));
    r = runCli({"export", "--model", m_cliModel, "--format", "gif", "the cat"});
    QCOMPARE(r.code, 2);
    r = runCli({"export", "--model", m_cliModel, "--format", "png", "the cat"}); // no --out
    QCOMPARE(r.code, 2);
}


// --dpi is the scale a printer thinks in; the file says its resolution.
void TestExport::testCliDpi()
{
    QVERIFY(!m_cliModel.isEmpty());
    const QString at1x = m_dir.filePath("dpi96.png"), at3x = m_dir.filePath("dpi288.png");
    QCOMPARE(runCli({"export", "--model", m_cliModel, "--format", "png", "--dpi", "96", "--out", at1x, "the cat"}).code, 0);
    QCOMPARE(runCli({"export", "--model", m_cliModel, "--format", "png", "--dpi", "288", "--out", at3x, "the cat"}).code, 0);
    const QImage one(at1x), three(at3x);
    QVERIFY(!one.isNull() && !three.isNull());
    QCOMPARE(three.size(), one.size() * 3);
    QVERIFY(std::abs(three.dotsPerMeterX() - 288 / 0.0254) < 1.0);
    const Run both = runCli({"export", "--model", m_cliModel, "--format", "png", "--dpi", "288", "--scale", "2",
                             "--out", m_dir.filePath("both.png"), "the cat"});
    QCOMPARE(both.code, 2);
    QVERIFY2(both.err.contains("--scale or --dpi"), both.err.constData());
    QVERIFY(!QFile::exists(m_dir.filePath("both.png")));
}

// --merge-words draws a subword model's pieces as words: BART's "Ġc" "a" "t"
// become one column "▁cat" in the heatmap; the heads and compare views take it too.
void TestExport::testCliMergeWords()
{
    const QString bart = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/hf/models/bart");
    const QString cat = QStringLiteral(">\u2581cat<");
    auto svg = [&](const QStringList &extra, const QString &name) {
        const QString file = m_dir.filePath(name);
        QStringList args{"export", "--format", "svg", "--out", file};
        args << extra << "The cat sat on the mat";
        const Run r = runCli(args);
        QFile f(file);
        return r.code == 0 && f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString(r.err);
    };
    const QString pieces = svg({"--model", bart}, "pieces.svg");
    const QString words = svg({"--model", bart, "--merge-words"}, "words.svg");
    QVERIFY2(pieces.contains("<svg") && words.contains("<svg"), qPrintable(pieces + words));
    QVERIFY(!pieces.contains(cat));
    QVERIFY(words.contains(cat));
    QVERIFY(words.count("<text") < pieces.count("<text")); // fewer labels and cells
    const QString heads = svg({"--model", bart, "--view", "heads", "--merge-words"}, "heads.svg");
    QVERIFY2(heads.contains("<svg"), qPrintable(heads));
    QVERIFY(heads != svg({"--model", bart, "--view", "heads"}, "heads-pieces.svg"));
    const QString compare = svg({"--view", "compare", "--models", bart, bart, "--merge-words"}, "compare.svg");
    QVERIFY2(compare.contains(cat), qPrintable(compare.left(400)));
}

// The export dialog offers PNG size as a scale or as a print resolution;
// the two follow each other and the one set last is what the file gets.
void TestExport::testDialogResolution()
{
    FigureOptions initial;
    initial.scale = 2.0;
    ExportDialog dialog(initial);
    auto *scale = dialog.findChild<QDoubleSpinBox *>();
    QSpinBox *dpi = nullptr;
    for (QSpinBox *s : dialog.findChildren<QSpinBox *>())
        if (s->suffix().contains(QLatin1String("dpi")))
            dpi = s;
    QVERIFY(scale && dpi);
    QCOMPARE(dpi->value(), 192);
    dpi->setValue(300);
    QCOMPARE(dialog.options().scale, 300 / 96.0);
    QCOMPARE(scale->value(), 3.125);
    scale->setValue(1.5);
    QCOMPARE(dpi->value(), 144);
    QCOMPARE(dialog.options().scale, 1.5);
    // 300 dpi chosen in the dialog: the PNG records 300 dpi and is 300/96 times the 1x size.
    dpi->setValue(300);
    const QString file = m_dir.filePath("dialog300.png"), one = m_dir.filePath("dialog96.png");
    QVERIFY(FigureExporter(m_model, dialog.options()).write(file).ok());
    FigureOptions at1x;
    at1x.scale = 1.0;
    QVERIFY(FigureExporter(m_model, at1x).write(one).ok());
    const QImage image(file), base(one);
    QVERIFY(std::abs(image.dotsPerMeterX() - 300 / 0.0254) < 1.0);
    QVERIFY(std::abs(image.width() - base.width() * 300 / 96.0) <= 2.0);
    // Only PNG has a pixel size.
    auto *format = dialog.findChildren<QComboBox *>().first();
    format->setCurrentIndex(format->findData(QStringLiteral("svg")));
    QVERIFY(!dpi->isEnabled() && !scale->isEnabled());
}

QTEST_MAIN(TestExport)
#include "testexport.moc"
