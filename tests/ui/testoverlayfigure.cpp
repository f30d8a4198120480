// The overlay figure (issue #21) of the tiny ViT + GPT-2 fixture's caption:
// the strip has one picture per generated word (the caption's words, <eos>
// left out), each captioned with its word; one step is one picture; PNG,
// SVG and PDF render at the laid-out size, one painted picture per panel.
// Several models: a strip per model under its name, or their steps side by side.

#include "export/overlayfigure.h"

#include "alignscope/decode.h"
#include "alignscope/imagefile.h"
#include "alignscope/model.h"

#include <QImage>
#include <QRegularExpression>
#include <QtTest>

using namespace alignscope;
using namespace alignscope::ui;

class TestOverlayFigure : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testStripHasAPanelPerWord();
    void testOneStep();
    void testSeveralModels();
    void testRender_data();
    void testRender();

private:
    TraceModel m_model;
};

void TestOverlayFigure::initTestCase()
{
    const std::string folder = ALIGNSCOPE_TEST_DATA_DIR "/vision/vit-gpt2";
    auto model = openModel(folder);
    QVERIFY(model);
    auto picture = readImageFile(folder + "/picture.png");
    QVERIFY(picture);
    auto source = model.value()->prepareImage(picture.value());
    QVERIFY(source);
    auto trace = translateSource(*model.value(), std::move(source).value(), {});
    QVERIFY(trace);
    m_model.setTrace(std::make_shared<const DecodeTrace>(std::move(trace).value()));
}

void TestOverlayFigure::testStripHasAPanelPerWord()
{
    const OverlayFigure strip(m_model, FigureOptions{}, OverlayFigureOptions{});
    const QString caption = QString::fromStdString(m_model.trace()->translation(m_model.path()));
    const QStringList words = caption.split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
    QVERIFY(!words.isEmpty());
    QCOMPARE(strip.panelCount(), int(words.size()));
    for (int k = 0; k < strip.panelCount(); ++k) {
        // The random fixture's words may end in bytes that are no UTF-8: the caption shows them as
        // <0x8B> pieces where the decoded text has U+FFFD; the text before them is the word's.
        const qsizetype bad = words[k].indexOf(QChar(0xFFFD));
        if (bad < 0)
            QCOMPARE(strip.caption(k), words[k]);
        else
            QVERIFY2(strip.caption(k).startsWith(words[k].left(bad)), qPrintable(strip.caption(k)));
        const QRectF r = strip.imageRect(k);
        QVERIFY(!r.isEmpty());
        QVERIFY(QRectF(QPointF(), strip.figureSize()).contains(r));
        for (int j = 0; j < k; ++j)
            QVERIFY(!strip.imageRect(j).intersects(r));
    }
    // Rows of at most six pictures.
    QVERIFY(strip.imageRect(0).top() == strip.imageRect(std::min(5, strip.panelCount() - 1)).top());
    if (strip.panelCount() > 6)
        QVERIFY(strip.imageRect(6).top() > strip.imageRect(0).bottom());
    OverlayFigureOptions two;
    two.columns = 2;
    if (strip.panelCount() > 2) // two a row: the third starts the second row
        QVERIFY(OverlayFigure(m_model, FigureOptions{}, two).imageRect(2).top() > strip.imageRect(0).bottom());
}

void TestOverlayFigure::testOneStep()
{
    OverlayFigureOptions o;
    o.step = 1;
    const OverlayFigure one(m_model, FigureOptions{}, o);
    QCOMPARE(one.panelCount(), 1);
    QString token = QString::fromStdString(m_model.trace()->readable(m_model.nodeAtStep(1)->token));
    QCOMPARE(one.caption(0), token.remove(QStringLiteral("\u2581")).trimmed());
    // One step draws larger than a strip's pictures.
    QVERIFY(one.imageRect(0).width() > OverlayFigure(m_model, FigureOptions{}, {}).imageRect(0).width());
    o.step = 10000; // past the caption: nothing to draw
    QCOMPARE(OverlayFigure(m_model, FigureOptions{}, o).panelCount(), 0);
}

void TestOverlayFigure::testSeveralModels()
{
    TraceModel second;
    second.setTrace(m_model.tracePtr());
    second.setSelection(HeadSelection::of(0, 0)); // the other model shows one head, not the mean
    const std::vector<FigurePanel> models{{&m_model, QStringLiteral("mean model")}, {&second, QStringLiteral("head 1")}};
    const OverlayFigure one(m_model, FigureOptions{}, {});
    const OverlayFigure strips(models, FigureOptions{}, {});
    // A strip per model, the second below the first, each panel knowing its model.
    QCOMPARE(strips.panelCount(), 2 * one.panelCount());
    const int n = one.panelCount();
    for (int k = 0; k < strips.panelCount(); ++k) {
        QCOMPARE(strips.modelName(k), k < n ? QStringLiteral("mean model") : QStringLiteral("head 1"));
        QCOMPARE(strips.caption(k), one.caption(k % n));
    }
    QVERIFY(strips.imageRect(n).top() > strips.imageRect(n - 1).bottom());
    QVERIFY(strips.figureSize().height() > one.figureSize().height());
    QVERIFY(one.modelName(0).isEmpty()); // one model: no names drawn
    // One step: the models' pictures side by side on one row, the same size.
    OverlayFigureOptions o;
    o.step = 0;
    const OverlayFigure steps(models, FigureOptions{}, o);
    QCOMPARE(steps.panelCount(), 2);
    QCOMPARE(steps.imageRect(0).top(), steps.imageRect(1).top());
    QVERIFY(steps.imageRect(1).left() > steps.imageRect(0).right());
    QCOMPARE(steps.imageRect(0).size(), steps.imageRect(1).size());
    // Both names are written, above their pictures.
    FigureOptions svg;
    svg.format = FigureFormat::Svg;
    const QByteArray bytes = OverlayFigure(models, svg, o).render();
    QVERIFY(bytes.contains("mean model") && bytes.contains("head 1"));
    QCOMPARE(int(bytes.count("<image")), 2);
}

void TestOverlayFigure::testRender_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("png") << int(FigureFormat::Png);
    QTest::newRow("svg") << int(FigureFormat::Svg);
    QTest::newRow("pdf") << int(FigureFormat::Pdf);
}

void TestOverlayFigure::testRender()
{
    QFETCH(int, format);
    FigureOptions f;
    f.format = FigureFormat(format);
    f.scale = 1.5;
    f.title = QStringLiteral("A caption");
    const OverlayFigure strip(m_model, f, {});
    const QByteArray bytes = strip.render();
    switch (f.format) {
    case FigureFormat::Png: {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), (strip.figureSize() * 1.5).toSize());
        // The first picture is painted (not the white background) where the layout put it.
        const QPointF c = strip.imageRect(0).center() * 1.5;
        QVERIFY(image.pixelColor(c.toPoint()) != QColor(Qt::white));
        break;
    }
    case FigureFormat::Svg:
        QVERIFY(bytes.contains("<svg"));
        QCOMPARE(int(bytes.count("<image")), strip.panelCount());
        QVERIFY(bytes.contains(strip.caption(0).toHtmlEscaped().toUtf8()));
        break;
    case FigureFormat::Pdf:
        QVERIFY(bytes.startsWith("%PDF"));
        break;
    }
}

QTEST_MAIN(TestOverlayFigure)
#include "testoverlayfigure.moc"
