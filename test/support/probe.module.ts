import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { Length } from '../../src/common/validation/length';
import { Public } from '../../src/auth/public.decorator';

class NestedDto {
  @IsIn(['a', 'b'])
  kind!: string;
}

export class ProbeDto {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;

  @ValidateNested()
  @Type(() => NestedDto)
  nested!: NestedDto;
}

export const PROBE_SECRET = 'internal-detail-hunter2';

/** Test-only routes: a DTO to validate and a handler that fails unexpectedly. */
@Public()
@Controller('probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error(PROBE_SECRET);
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
