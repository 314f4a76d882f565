using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.VisualBasic.FileIO;
using MoT.Dashboard.Export;
using MoT.Data;
using MoT.Data.Annotations;
using MoT.Data.Queries;
using Entities = MoT.Data.Entities;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

/// <summary>CSV read back by an independent reader (.NET's TextFieldParser), in a culture with a decimal comma.</summary>
public sealed class CsvExportTests() : TemporaryStoreTests("mot-csv-")
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static List<string[]> Parse(string csv)
    {
        using var parser = new TextFieldParser(new StringReader(csv)) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData) rows.Add(parser.ReadFields()!);
        return rows;
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("lr, warmup and \"quotes\"")]
    [InlineData("two\r\nlines\nand a bare LF")]
    [InlineData("")]
    [InlineData("ünïcödé ✓")]
    public void Text_with_commas_quotes_and_newlines_reads_back_unchanged(string text)
    {
        var output = new StringWriter();
        new CsvWriter(output).Text(text).Text("next").EndLine();

        var row = Assert.Single(Parse(output.ToString()));

        Assert.Equal([text, "next"], row);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")")]
    [InlineData("+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    public void Text_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(string text)
    {
        var output = new StringWriter();
        new CsvWriter(output).Text(text).Number(-0.5).EndLine();

        var row = Assert.Single(Parse(output.ToString()));

        Assert.Equal("'" + text, row[0]);
        Assert.Equal("-0.5", row[1]); // numbers are ours, not typed: left as they are
    }

    [Fact]
    public async Task The_runs_export_has_every_matching_run_over_many_pages_with_names_notes_and_invariant_numbers()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE"); // a decimal comma must not leak into the file
        try
        {
            var contexts = Services.GetRequiredService<IDbContextFactory<MotDbContext>>();
            var ids = await SeedAsync(contexts, count: RunExport.PageSize * 2 + 37);
            var export = new RunExport(Services.GetRequiredService<RunQueryService>(), contexts);
            var output = new StringWriter();

            await export.WriteRunsAsync(output, "tag:keep", "created asc", Token);

            var rows = Parse(output.ToString());
            Assert.Equal(RunExport.RunColumns, rows[0]);
            var body = rows.Skip(1).ToList();
            var column = RunExport.RunColumns.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
            var expected = ids.Where((_, i) => i % 3 != 0).ToList(); // every third run is not tagged keep
            Assert.Equal(expected, body.Select(r => Guid.Parse(r[column["id"]])));
            Assert.All(body, r => Assert.Equal(RunExport.RunColumns.Length, r.Length));
            var first = body[0];
            Assert.Equal("run 1, \"quoted\"\nsecond line", first[column["name"]]);
            Assert.Equal("'=notes of 1, with \"quotes\"\r\nand lines", first[column["notes"]]);
            Assert.Equal(2.25, double.Parse(first[column["best_eval_loss"]], CultureInfo.InvariantCulture));
            Assert.Equal("keep x", first[column["tags"]]);
            Assert.Equal("2026-01-01T00:01:00.000Z", first[column["created"]]);
            Assert.Equal("{\"model\":{\"d_model\":1}}", first[column["config"]]);
            // A run without a given name is exported under its generated one.
            Assert.Equal(RunNames.For(expected[1]), body[1][column["name"]]);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task A_runs_metrics_export_has_one_row_per_point_in_metric_and_step_order()
    {
        var contexts = Services.GetRequiredService<IDbContextFactory<MotDbContext>>();
        var runId = (await SeedAsync(contexts, count: 1))[0];
        await using (var db = await contexts.CreateDbContextAsync(Token))
        {
            for (var step = 0; step < 1200; step++)
            {
                db.MetricPoints.Add(new Entities.MetricPoint { RunId = runId, Name = "train_loss", Step = step, Value = 10.0 / (step + 1), WallTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(step) });
                if (step % 100 == 0) db.MetricPoints.Add(new Entities.MetricPoint { RunId = runId, Name = "eval_loss", Step = step, Value = 5 - step / 1000.0, WallTime = DateTime.UtcNow });
            }
            await db.SaveChangesAsync(Token);
        }

        var output = new StringWriter();
        await new RunExport(Services.GetRequiredService<RunQueryService>(), contexts).WriteMetricsAsync(output, runId, Token);

        var rows = Parse(output.ToString());
        Assert.Equal(["run_id", "metric", "step", "value", "time"], rows[0]);
        Assert.Equal(12 + 1200, rows.Count - 1);
        Assert.Equal(Enumerable.Repeat("eval_loss", 12).Concat(Enumerable.Repeat("train_loss", 1200)), rows.Skip(1).Select(r => r[1]));
        var train = rows.Skip(13).ToList();
        Assert.Equal(Enumerable.Range(0, 1200).Select(s => (long)s), train.Select(r => long.Parse(r[2], CultureInfo.InvariantCulture)));
        Assert.All(train, r => Assert.Equal(10.0 / (long.Parse(r[2], CultureInfo.InvariantCulture) + 1), double.Parse(r[3], CultureInfo.InvariantCulture)));
    }

    /// <summary>Runs created a minute apart; run 1 has a name and notes full of CSV's special characters.</summary>
    private static async Task<List<Guid>> SeedAsync(IDbContextFactory<MotDbContext> contexts, int count)
    {
        await using var db = await contexts.CreateDbContextAsync(Token);
        db.Users.Add(new Entities.User { Id = "rita", CreatedAt = DateTime.UtcNow });
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            db.Runs.Add(new Entities.Run
            {
                Id = id, OwnerId = "rita", ConfigJson = "{\"model\":{\"d_model\":1}}", ModelFamily = "MoT", EvalSetId = "e", TokenizerId = "t",
                CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i), BestEvalLoss = 1.25 + i,
                Name = i == 1 ? "run 1, \"quoted\"\nsecond line" : null,
                Notes = i == 1 ? "=notes of 1, with \"quotes\"\r\nand lines" : null,
                Tags = i % 3 == 0 ? [] : [new Entities.RunTag { RunId = id, Tag = "keep" }, new Entities.RunTag { RunId = id, Tag = "x" }],
            });
        }

        await db.SaveChangesAsync(Token);
        return ids;
    }
}
