using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> builder)
    {
        builder.ToTable("runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.ConfigJson).IsJsonDocument();
        builder.Property(r => r.Notes).HasMaxLength(Annotations.RunAnnotationRules.MaxNotesLength);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.ParentRelation).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.ModelFamily).HasMaxLength(64);
        builder.Property(r => r.EvalSetId).HasMaxLength(128);
        builder.Property(r => r.TokenizerId).HasMaxLength(128);
        builder.Property(r => r.FailureReason).HasMaxLength(4000);
        builder.Property(r => r.FailureClass).HasMaxLength(32);
        builder.Property(r => r.FailureKind).HasConversion<string>().HasMaxLength(16);

        builder.HasOne(r => r.Owner).WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.Sweep).WithMany().HasForeignKey(r => r.SweepId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(r => r.ParentRun).WithMany().HasForeignKey(r => r.ParentRunId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne(r => r.CurrentCheckpoint).WithMany().HasForeignKey(r => r.CurrentCheckpointId)
            .OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(r => r.Tags).WithOne().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);

        // The run-history screens filter by these; (sweep, status) also serves "runs of sweep X".
        builder.HasIndex(r => new { r.SweepId, r.Status });
        builder.HasIndex(r => r.OwnerId);
        builder.HasIndex(r => r.CreatedAt);
        builder.HasIndex(r => r.Status);
        // The leaderboard reads completed runs of one board (eval set + tokenizer).
        builder.HasIndex(r => new { r.EvalSetId, r.TokenizerId, r.ModelFamily });
        // The leaderboard's groups come from these columns alone (an index-only scan over ranked runs), and each group's
        // winners are then found by (board, family, loss) in the same index. The budget columns are trailing keys rather
        // than included columns so that SQLite, which has no INCLUDE, is covered as well.
        builder.HasIndex(r => new { r.EvalSetId, r.TokenizerId, r.ModelFamily, r.BestEvalLoss, r.ComputeBudgetFlops, r.InheritedFlops, r.WarmStartStep },
                "ix_runs_leaderboard")
            .HasFilter("status = 'Completed' AND best_eval_loss IS NOT NULL");
        // "family = X and best_eval_loss < y" pages read a range of this instead of every run (mot bench store: 84 ms -> see README).
        builder.HasIndex(r => new { r.ModelFamily, r.BestEvalLoss });
    }
}
