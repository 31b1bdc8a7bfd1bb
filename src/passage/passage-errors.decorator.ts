import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { ErrorsShapedAs } from '../openapi/failures';
import { PassageErrorDto } from './dto/passage-wire.dto';
import { passageCodeOf, passageStatusOf } from './passage-errors';

/** The routes' errors in the OpenAPI document: Passage's `{code, error}`, with its codes. */
export function PassageErrors(): ClassDecorator {
  const codes = Object.fromEntries(
    Object.values(ErrorCode).map((code) => [
      code,
      { status: passageStatusOf(code), code: passageCodeOf(code) },
    ]),
  );
  return applyDecorators(
    ApiExtraModels(PassageErrorDto),
    ErrorsShapedAs({ schema: PassageErrorDto.name, codes }),
  );
}
